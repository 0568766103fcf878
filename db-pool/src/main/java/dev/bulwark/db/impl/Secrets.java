package dev.bulwark.db.impl;

import dev.bulwark.db.DbOptions;

/** Masks credentials in messages. Stateless; thread-safe. */
final class Secrets {

  private Secrets() {
  }

  /** {@code text} with every occurrence of {@code password} replaced, and URLs masked. */
  static String mask(String text, String password) {
    if (text == null) {
      return null;
    }
    String out = text;
    if (password != null && !password.isEmpty()) {
      out = out.replace(password, "****");
    }
    return DbOptions.maskUrl(out);
  }
}
