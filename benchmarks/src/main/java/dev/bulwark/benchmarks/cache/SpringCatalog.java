package dev.bulwark.benchmarks.cache;

import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.TimeUnit;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.caffeine.CaffeineCacheManager;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Spring side of {@link CacheHitBenchmark}: the same catalog behind {@code @Cacheable}, with
 * Spring's {@code CaffeineCacheManager} configured like the raw Caffeine case (10,000 entries,
 * ten minutes after write), as a Spring application would declare it.
 */
public interface SpringCatalog {

  /** The cached lookup. */
  String name(long id);

  /** Starts a Spring context holding the cached catalog; close it when done. */
  static AnnotationConfigApplicationContext start() {
    return new AnnotationConfigApplicationContext(Config.class);
  }

  /** The bean behind the proxy. */
  class Impl implements SpringCatalog {
    @Override
    @Cacheable("names")
    public String name(long id) {
      return "Product " + id;
    }
  }

  /** {@code @EnableCaching} with a Caffeine cache manager and the catalog bean. */
  @Configuration
  @EnableCaching
  class Config {
    @Bean
    public CacheManager cacheManager() {
      CaffeineCacheManager manager = new CaffeineCacheManager("names");
      manager.setCaffeine(Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(10, TimeUnit.MINUTES));
      return manager;
    }

    @Bean
    public SpringCatalog catalog() {
      return new Impl();
    }
  }
}
