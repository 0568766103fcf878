package dev.bulwark.examples.shop;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's start-up configuration for the shop: {@link ShopLogging#defaults the defaults} set in
 * code. Logback finds it through {@code ServiceLoader} before it looks for XML; the same defaults
 * read from a {@code logback.xml} made every start load some 450 more classes (Joran and an XML
 * parser) and parse the file before the first line of the shop ran. A configuration the user
 * names with {@code -Dlogback.configurationFile}, or a {@code logback-test.xml} on the class path,
 * still wins: then this configurator steps aside for Logback's own. Called once, by Logback, on
 * the thread that first asks for a logger.
 */
public final class ShopLogConfigurator extends ContextAwareBase implements Configurator {

  /** Logback's system property naming a configuration file. */
  static final String CONFIG_FILE_PROPERTY = "logback.configurationFile";

  /** For {@code ServiceLoader}. */
  public ShopLogConfigurator() {
  }

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty(CONFIG_FILE_PROPERTY) != null
        || ShopLogConfigurator.class.getClassLoader().getResource("logback-test.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    ShopLogging.defaults(context);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
