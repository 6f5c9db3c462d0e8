package dev.tally;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.fasterxml.jackson.core.JsonFactory;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Arrows point down: features ({@code ingest}, {@code mapping}, {@code aggregate}, {@code replay}, {@code inspect},
 * {@code sdk}) depend on {@code platform}, {@code security} and {@code normalize}, never the reverse — so a new
 * feature brings its own types (its DTOs register themselves for reflection; its resources declare who may call them
 * with {@code security.Allowed}; the OpenAPI security declared once in platform covers them) without editing a central
 * list below it.
 *
 * <p>{@code normalize} counts as shared core here, not as a feature: it is the pure function every feature builds
 * on and depends on nothing of Tally itself ({@code NormalizeArchitectureTest}), so leaning on it can form no cycle.
 * That is why {@code security} may validate a key's client ids with {@code Normalizer.isClientId} — a key must name
 * clients exactly as events name them — and quote offending values the way rejection reasons do.
 */
class ArchitectureTest {

  private static final String[] FEATURES = {
      "dev.tally.ingest..", "dev.tally.mapping..", "dev.tally.aggregate..", "dev.tally.replay..",
      "dev.tally.inspect..", "dev.tally.sdk.."};

  private static final JavaClasses TALLY = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.tally");

  @Test
  void platformDependsOnNoFeatureAndNotOnSecurity() {
    noClasses().that().resideInAPackage("dev.tally.platform..")
        .should().dependOnClassesThat().resideInAnyPackage(with(FEATURES, "dev.tally.security.."))
        .because("platform is the floor every feature stands on; a type registers itself in its own package")
        .check(TALLY);
  }

  @Test
  void securityDependsOnNoFeature() {
    noClasses().that().resideInAPackage("dev.tally.security..")
        .should().dependOnClassesThat().resideInAnyPackage(FEATURES)
        .because("every feature is guarded by security, so security cannot know any feature's types")
        .check(TALLY);
  }

  @Test
  void ingestKnowsNothingOfTheReadSide() {
    noClasses().that().resideInAPackage("dev.tally.ingest..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.tally.inspect..", "dev.tally.aggregate..", "dev.tally.replay..", "dev.tally.sdk..")
        .because("inspection, aggregates, replays and the SDK routes build on ingest; looking an event up is inspect's")
        .check(TALLY);
  }

  @Test
  void requestBodiesAreParsedByOneStreamingReader() {
    noClasses().that().doNotHaveFullyQualifiedName("dev.tally.ingest.JsonReader")
        .and().doNotHaveFullyQualifiedName("dev.tally.sdk.KeyRedactor")
        .should().dependOnClassesThat().areAssignableTo(JsonFactory.class)
        .because("ingest.JsonReader alone parses bodies faithfully (exact bytes and decimals, duplicate keys, the configured"
            + " limits): POST /events and the SDK envelope compose it rather than a second parser; KeyRedactor only"
            + " tokenizes bytes kept as received, to redact keys in place")
        .check(TALLY);
  }

  private static String[] with(String[] packages, String extra) {
    String[] all = Arrays.copyOf(packages, packages.length + 1);
    all[packages.length] = extra;
    return all;
  }
}
