package dev.bulwark.web;

/** Where a {@link BulwarkServer} is in its life. */
public enum ServerState {
  /** Binding routes and sockets; {@code /ready} answers 503. */
  STARTING,
  /** Taking traffic; {@code /ready} answers 200. */
  READY,
  /** Finishing in-flight requests; {@code /ready} and new requests answer 503. */
  DRAINING,
  /** Closed: sockets closed, worker pools closed. */
  STOPPED
}
