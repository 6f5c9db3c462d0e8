package dev.tally.normalize;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The normalization core stays a pure function: no framework, no event loop, no database. It may use Jackson's
 * tree model (its input) and the JDK; anything else here would make it untestable in milliseconds.
 */
class NormalizeArchitectureTest {

  private static final JavaClasses NORMALIZE = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.tally.normalize");

  @Test
  void normalizationDependsOnNoFrameworkAndNoDatabase() {
    noClasses().that().resideInAPackage("dev.tally.normalize..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.quarkus..", "io.vertx..", "io.smallrye..", "io.netty..", "jakarta..", "javax..",
            "java.sql..", "org.postgresql..", "org.flywaydb..", "io.micrometer..", "org.jboss..")
        .because("normalization is pure: raw JSON and a mapping in, a canonical event or typed errors out")
        .check(NORMALIZE);
  }

  @Test
  void normalizationDependsOnNoOtherTallyPackage() {
    noClasses().that().resideInAPackage("dev.tally.normalize..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.tally.ingest..", "dev.tally.platform..", "dev.tally.mapping..", "dev.tally.security..",
            "dev.tally.aggregate..", "dev.tally.replay..", "dev.tally.inspect..", "dev.tally.sdk..")
        .because("every feature builds on normalize, so it can know none of them")
        .check(NORMALIZE);
  }
}
