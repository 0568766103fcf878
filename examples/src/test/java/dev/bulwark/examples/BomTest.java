package dev.bulwark.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.bulwark.cache.CacheManager;
import dev.bulwark.core.WorkerPool;
import dev.bulwark.db.Db;
import dev.bulwark.tasks.TaskQueue;
import dev.bulwark.web.BulwarkServer;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The published modules as users consume them: every jar module of the root build (but the
 * benchmarks and the examples) is in {@code bulwark-bom} at the parent's version, declares its
 * module name, and its jar carries that name where the JDK looks for it.
 */
class BomTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final List<String> UNPUBLISHED = List.of("benchmarks", "examples", "examples/quickstart");

  @Test
  void bom_managesEveryPublishedModuleAtTheParentsVersion() throws Exception {
    Document parent = read(ROOT.resolve("pom.xml"));
    Document bom = read(ROOT.resolve("bom/pom.xml"));
    Map<String, String> managed = new LinkedHashMap<>();
    for (Element d : children(first(first(bom.getDocumentElement(), "dependencyManagement"), "dependencies"), "dependency")) {
      if (text(d, "groupId").equals("dev.bulwark")) {
        managed.put(text(d, "artifactId"), text(d, "version"));
      }
    }

    List<String> published = new ArrayList<>();
    for (Element m : children(first(parent.getDocumentElement(), "modules"), "module")) {
      String dir = m.getTextContent().trim();
      Document pom = read(ROOT.resolve(dir).resolve("pom.xml"));
      String packaging = text(pom.getDocumentElement(), "packaging");
      if (!UNPUBLISHED.contains(dir) && (packaging.isEmpty() || packaging.equals("jar"))) {
        published.add(text(pom.getDocumentElement(), "artifactId"));
      }
    }

    assertThat(published).containsExactlyInAnyOrder("bulwark-core", "bulwark-cache",
        "bulwark-db-pool", "bulwark-tasks", "bulwark-async-web");
    assertThat(managed).containsOnlyKeys(published);
    assertThat(managed.values()).containsOnly("${project.version}");
    assertThat(text(bom.getDocumentElement(), "version"))
        .isEqualTo(text(parent.getDocumentElement(), "version"));
  }

  @Test
  void bom_importsTheVertxStackOfTheParent() throws Exception {
    Document parent = read(ROOT.resolve("pom.xml"));
    Document bom = read(ROOT.resolve("bom/pom.xml"));
    String vertx = text(first(parent.getDocumentElement(), "properties"), "vertx.version");
    String imported = null;
    for (Element d : children(first(first(bom.getDocumentElement(), "dependencyManagement"), "dependencies"), "dependency")) {
      if (text(d, "artifactId").equals("vertx-stack-depchain")) {
        imported = text(d, "version");
      }
    }

    assertThat(imported).as("vertx-stack-depchain in the BOM").isEqualTo(vertx);
  }

  @ParameterizedTest
  @CsvSource({"core, dev.bulwark.core", "cache, dev.bulwark.cache", "db-pool, dev.bulwark.db",
      "async-web, dev.bulwark.web", "tasks, dev.bulwark.tasks"})
  void module_declaresItsStableName(String dir, String name) throws Exception {
    Document pom = read(ROOT.resolve(dir).resolve("pom.xml"));

    assertThat(text(first(pom.getDocumentElement(), "properties"), "bulwark.moduleName")).isEqualTo(name);
  }

  @ParameterizedTest
  @CsvSource({"dev.bulwark.core", "dev.bulwark.cache", "dev.bulwark.db", "dev.bulwark.web",
      "dev.bulwark.tasks"})
  void jar_carriesTheModuleNameTheJdkReads(String name) {
    Class<?> type = switch (name) {
      case "dev.bulwark.core" -> WorkerPool.class;
      case "dev.bulwark.cache" -> CacheManager.class;
      case "dev.bulwark.db" -> Db.class;
      case "dev.bulwark.web" -> BulwarkServer.class;
      default -> TaskQueue.class;
    };
    Path location = Path.of(type.getProtectionDomain().getCodeSource().getLocation().getPath());
    // `mvn test` puts target/classes on the class path; from `package` on (verify, CI) it is the jar.
    assumeTrue(Files.isRegularFile(location), "not packaged: " + location);

    ModuleReference module = ModuleFinder.of(location).findAll().iterator().next();

    assertThat(module.descriptor().name()).isEqualTo(name);
    assertThat(module.descriptor().isAutomatic()).isTrue();
  }

  private static Document read(Path pom) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return f.newDocumentBuilder().parse(pom.toFile());
  }

  private static Element first(Element parent, String name) {
    List<Element> found = children(parent, name);
    assertThat(found).as("<%s> in <%s>", name, parent.getTagName()).isNotEmpty();
    return found.get(0);
  }

  private static List<Element> children(Element parent, String name) {
    List<Element> out = new ArrayList<>();
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      Node n = nodes.item(i);
      if (n instanceof Element e && e.getTagName().equals(name)) {
        out.add(e);
      }
    }
    return out;
  }

  /** The text of the direct child {@code name}, or "" when there is none. */
  private static String text(Element parent, String name) {
    List<Element> found = children(parent, name);
    return found.isEmpty() ? "" : found.get(0).getTextContent().trim();
  }
}
