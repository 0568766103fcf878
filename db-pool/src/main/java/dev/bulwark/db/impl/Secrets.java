package dev.bulwark.db.impl;

import java.util.regex.Pattern;

/** Masks credentials in JDBC URLs and messages. Stateless; thread-safe. */
public final class Secrets {

  private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)(password|pwd)=([^&;]*)");
  private static final Pattern USERINFO = Pattern.compile("(//[^/:@]+:)([^@/]*)(@)");

  private Secrets() {
  }

  /** {@code jdbc:postgresql://h/db?user=u&password=secret} to {@code ...password=****}. */
  public static String maskUrl(String url) {
    if (url == null) {
      return null;
    }
    String masked = PASSWORD_PARAM.matcher(url).replaceAll("$1=****");
    return USERINFO.matcher(masked).replaceAll("$1****$3");
  }

  /** {@code text} with every occurrence of {@code password} replaced, and URLs masked. */
  public static String mask(String text, String password) {
    if (text == null) {
      return null;
    }
    String out = text;
    if (password != null && !password.isEmpty()) {
      out = out.replace(password, "****");
    }
    return maskUrl(out);
  }
}
