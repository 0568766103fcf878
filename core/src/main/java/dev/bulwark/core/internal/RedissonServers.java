package dev.bulwark.core.internal;

import dev.bulwark.core.RedisEndpoint;
import org.redisson.config.BaseConfig;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;

/**
 * Applies a {@link RedisEndpoint} to a Redisson {@link Config}, the same way for every module
 * that talks to Redis: one server, a Cluster or Sentinels, all reads and writes on masters (a
 * cache or a queue that read a lagging replica would see the past), no Redisson-level retries
 * (the callers have their own deadlines and breakers). Redisson is an optional dependency of
 * core: only modules that bring it call this. Stateless.
 */
public final class RedissonServers {

  private RedissonServers() {
  }

  /**
   * Points {@code config} at {@code endpoint}.
   *
   * @param timeoutMs each command's deadline
   * @param connectTimeoutMs the deadline to open a connection
   * @param poolSize connections per (master) node
   * @param minimumIdle connections kept open per (master) node
   * @return the server part of the config, for settings that only some callers want
   */
  public static BaseConfig<?> use(Config config, RedisEndpoint endpoint, int timeoutMs,
      int connectTimeoutMs, int poolSize, int minimumIdle) {
    BaseConfig<?> servers;
    switch (endpoint.kind()) {
      case SINGLE:
        servers = config.useSingleServer().setAddress(endpoint.nodes().get(0))
            .setConnectionPoolSize(poolSize).setConnectionMinimumIdleSize(minimumIdle);
        break;
      case CLUSTER:
        servers = config.useClusterServers().addNodeAddress(endpoint.nodes().toArray(String[]::new))
            .setReadMode(ReadMode.MASTER).setMasterConnectionPoolSize(poolSize)
            .setMasterConnectionMinimumIdleSize(minimumIdle);
        break;
      default:
        servers = config.useSentinelServers().setMasterName(endpoint.master())
            .addSentinelAddress(endpoint.nodes().toArray(String[]::new)).setReadMode(ReadMode.MASTER)
            .setMasterConnectionPoolSize(poolSize).setMasterConnectionMinimumIdleSize(minimumIdle);
        break;
    }
    return servers.setTimeout(timeoutMs).setConnectTimeout(connectTimeoutMs).setRetryAttempts(0);
  }
}
