package dev.bulwark.core;

import java.util.List;
import java.util.Objects;

/**
 * Where Redis is: one server, the seed nodes of a Redis Cluster, or the Sentinels watching a
 * named master. The cache and the task queue take the same value, so one option describes Redis
 * for both (a Cluster or Sentinel setup is Redisson's own configuration underneath). Addresses
 * are {@code redis://host:port} or {@code rediss://host:port}, optionally with credentials; they
 * are never logged with them ({@link #toString()} masks them). Immutable and thread-safe.
 */
public final class RedisEndpoint {

  /** The kind of deployment. */
  public enum Kind {
    /** One server. */
    SINGLE,
    /** A Redis Cluster, by some of its nodes (the client discovers the rest). */
    CLUSTER,
    /** A master and replicas watched by Sentinels, by the Sentinels' addresses. */
    SENTINEL
  }

  private final Kind kind;
  private final List<String> nodes;
  private final String master;

  private RedisEndpoint(Kind kind, List<String> nodes, String master) {
    this.kind = kind;
    this.nodes = nodes;
    this.master = master;
  }

  /**
   * One server.
   *
   * @throws IllegalArgumentException if {@code url} is not a {@code redis://} or {@code rediss://} URL
   */
  public static RedisEndpoint single(String url) {
    check("redis", url);
    return new RedisEndpoint(Kind.SINGLE, List.of(url), null);
  }

  /**
   * A Redis Cluster by its seed nodes.
   *
   * @throws IllegalArgumentException if the list is empty or a node is not a Redis URL
   */
  public static RedisEndpoint cluster(List<String> nodes) {
    return new RedisEndpoint(Kind.CLUSTER, checkNodes("redisNodes", nodes), null);
  }

  /**
   * The Sentinels watching the master named {@code master}.
   *
   * @throws IllegalArgumentException if the name is blank, the list empty or a node not a Redis URL
   */
  public static RedisEndpoint sentinel(String master, List<String> sentinels) {
    if (master == null || master.isBlank()) {
      throw new IllegalArgumentException("masterName must not be blank, but was '" + master + "'");
    }
    return new RedisEndpoint(Kind.SENTINEL, checkNodes("sentinels", sentinels), master);
  }

  /**
   * One option's text: a single URL is one server, a comma-separated list of URLs the seed nodes
   * of a Cluster ({@code redis://10.0.0.1:7000,redis://10.0.0.2:7000}).
   *
   * @throws IllegalArgumentException naming {@code option} when an element is not a Redis URL
   */
  public static RedisEndpoint parse(String option, String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(option + " must be a redis:// or rediss:// URL, or a "
          + "comma-separated list of them, but was '" + text + "'");
    }
    String[] parts = text.split(",", -1);
    if (parts.length == 1) {
      check(option, text.strip());
      return new RedisEndpoint(Kind.SINGLE, List.of(text.strip()), null);
    }
    List<String> nodes = new java.util.ArrayList<>(parts.length);
    for (String p : parts) {
      nodes.add(p.strip());
    }
    return new RedisEndpoint(Kind.CLUSTER, checkNodes(option, nodes), null);
  }

  /** The kind of deployment. */
  public Kind kind() {
    return kind;
  }

  /** The server's URL (one element), or the Cluster's seed nodes, or the Sentinels. */
  public List<String> nodes() {
    return nodes;
  }

  /** The Sentinel master's name; null unless {@link #kind()} is {@link Kind#SENTINEL}. */
  public String master() {
    return master;
  }

  private static List<String> checkNodes(String option, List<String> nodes) {
    if (nodes == null || nodes.isEmpty()) {
      throw new IllegalArgumentException(option + " must list at least one node, but was " + nodes);
    }
    for (String n : nodes) {
      check(option, n);
    }
    return List.copyOf(nodes);
  }

  private static void check(String option, String url) {
    if (url == null || !url.matches("rediss?://\\S+")) {
      throw new IllegalArgumentException(option + " must be a redis:// or rediss:// URL, but was '"
          + (url == null ? null : mask(url)) + "'");
    }
  }

  /** {@code url} with any credentials replaced by {@code ****}. */
  static String mask(String url) {
    return url.replaceFirst("//[^/@]*@", "//****@");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RedisEndpoint e && kind == e.kind && nodes.equals(e.nodes)
        && Objects.equals(master, e.master);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, nodes, master);
  }

  /** The kind and addresses, credentials masked. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(kind.name().toLowerCase(java.util.Locale.ROOT));
    if (master != null) {
      sb.append(' ').append(master);
    }
    sb.append(' ');
    for (int i = 0; i < nodes.size(); i++) {
      sb.append(i == 0 ? "" : ",").append(mask(nodes.get(i)));
    }
    return sb.toString();
  }
}
