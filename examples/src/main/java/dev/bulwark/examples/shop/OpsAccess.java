package dev.bulwark.examples.shop;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Who may use the ops page ({@link OpsRoutes}). Two modes:
 *
 * <ul>
 *   <li>Without a token: loopback clients only. The peer's address must be a loopback address and
 *       the {@code Host} header must name one ({@code localhost}, {@code 127.x.x.x}, {@code ::1}),
 *       so that a web page whose domain re-resolves to 127.0.0.1 (DNS rebinding) cannot read or
 *       act through the operator's browser.
 *   <li>With a token: every call to {@code /ops/api} must carry {@code Authorization: Bearer
 *       TOKEN}, from loopback too (behind a reverse proxy on the same host every request comes
 *       from loopback, so there it proves nothing). The page's own files carry no data and are
 *       served to anyone, because a browser cannot add the header to a navigation; the page's
 *       script sends the token it was given in the URL fragment.
 * </ul>
 *
 * <p>Changing calls ({@code POST}) are refused when they carry an {@code Origin} other than the
 * request's own, so another site cannot make the operator's browser retry or discard tasks. The
 * token is compared in constant time (SHA-256 of both sides through {@link MessageDigest#isEqual},
 * so neither the content nor the length leaks through timing). Immutable; thread-safe.
 */
final class OpsAccess {

  /** The shortest token accepted: 16 characters. */
  static final int MIN_TOKEN_LENGTH = 16;

  private final byte[] tokenDigest;

  /** @param token the required bearer token, or null for loopback clients only */
  OpsAccess(String token) {
    this.tokenDigest = token == null ? null : sha256(checkToken(token));
  }

  /**
   * Checks a token: at least {@value #MIN_TOKEN_LENGTH} visible ASCII characters.
   *
   * @return the token
   * @throws IllegalArgumentException naming the rule (never the token)
   */
  static String checkToken(String token) {
    if (token.length() < MIN_TOKEN_LENGTH) {
      throw new IllegalArgumentException("--ops-token must be at least " + MIN_TOKEN_LENGTH
          + " characters, but was " + token.length());
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c <= ' ' || c > '~') {
        throw new IllegalArgumentException("--ops-token must be visible ASCII characters only, but "
            + "has a space, control or non-ASCII character at index " + i);
      }
    }
    return token;
  }

  /** Whether a token is required. */
  boolean tokenRequired() {
    return tokenDigest != null;
  }

  /**
   * Why {@code request} may not use the API, or null when it may.
   *
   * @return a message for a 403 answer, or null
   */
  String refuseApi(HttpServerRequest request) {
    String why = tokenDigest != null ? checkBearer(request) : checkLoopback(request);
    return why != null ? why : checkOrigin(request);
  }

  /** Why {@code request} may not load the page's files, or null when it may. */
  String refusePage(HttpServerRequest request) {
    return tokenDigest != null ? null : checkLoopback(request);
  }

  private String checkBearer(HttpServerRequest request) {
    String header = request.getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return "the ops API needs Authorization: Bearer <token>";
    }
    if (!MessageDigest.isEqual(tokenDigest, sha256(header.substring(7).strip()))) {
      return "wrong ops token";
    }
    return null;
  }

  private static String checkLoopback(HttpServerRequest request) {
    SocketAddress peer = request.remoteAddress();
    if (peer == null || !isLoopbackLiteral(peer.hostAddress())) {
      return "the ops page answers loopback clients only (start with --ops-token to allow others)";
    }
    HostAndPort authority = request.authority();
    String host = authority == null ? null : authority.host();
    if (host == null || !(host.equalsIgnoreCase("localhost") || isLoopbackLiteral(host))) {
      return "the ops page answers only requests for localhost or a loopback address";
    }
    return null;
  }

  private static String checkOrigin(HttpServerRequest request) {
    if (request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD) {
      return null;
    }
    String origin = request.getHeader("Origin");
    HostAndPort authority = request.authority();
    if (origin == null) {
      return null;
    }
    String self = authority == null ? "" : authority.toString();
    if (origin.equalsIgnoreCase("http://" + self) || origin.equalsIgnoreCase("https://" + self)) {
      return null;
    }
    return "the ops API refuses changes from another origin";
  }

  /** Whether {@code host} is an IPv4 or IPv6 literal of a loopback address; no name lookup. */
  static boolean isLoopbackLiteral(String host) {
    if (host == null || host.isEmpty()) {
      return false;
    }
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (h.matches("127(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}")) {
      return true;
    }
    if (h.indexOf(':') < 0) {
      return false;
    }
    try {
      // A string with ':' is parsed as an IPv6 literal, never looked up.
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
