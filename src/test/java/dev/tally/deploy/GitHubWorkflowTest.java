package dev.tally.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * .github/workflows/ci.yml cannot run here (no GitHub): it is kept consistent with what can be checked. It runs
 * .ci/run itself (not a copy of its steps), with the history the upgrade check needs; the native job links in the
 * builder image docker/Dockerfile.native-build uses; images are pushed on version tags only, after both jobs, to
 * ghcr.io with the workflow's own token.
 */
@SuppressWarnings("unchecked")
class GitHubWorkflowTest {

  private static final Path WORKFLOW = Path.of(".github/workflows/ci.yml");

  @Test
  void theCiJobRunsDotCiRunWithTheWholeHistoryAndAPostgreSql15() throws IOException {
    Map<String, Object> ci = job("ci");
    List<Map<String, Object>> steps = (List<Map<String, Object>>) ci.get("steps");
    assertThat(steps).anySatisfy(step -> assertThat(step.get("run")).isEqualTo("bash .ci/run"));
    Map<String, Object> checkout = steps.stream().filter(s -> String.valueOf(s.get("uses")).startsWith("actions/checkout@"))
        .findFirst().orElseThrow();
    assertThat(path(checkout, "with.fetch-depth")).as("src/test/upgrade/check.sh needs the previous release's commit").isEqualTo(0);
    assertThat(path(ci, "services.postgres.image")).isEqualTo("postgres:15");
    // .ci/run connects as postgres without a password, as on the machine it was written for.
    assertThat(path(ci, "services.postgres.env.POSTGRES_HOST_AUTH_METHOD")).isEqualTo("trust");
    assertThat((List<String>) path(ci, "services.postgres.ports")).containsExactly("5432:5432");
    assertThat(Files.readString(Path.of(".ci/run"))).contains("pg_isready -h 127.0.0.1 -p 5432");
  }

  @Test
  void everyJobUsesTheJavaThePomCompilesFor() throws IOException {
    Matcher release = Pattern.compile("<maven.compiler.release>(\\d+)</maven.compiler.release>").matcher(Files.readString(Path.of("pom.xml")));
    assertThat(release.find()).isTrue();
    for (String name : List.of("ci", "native", "images")) {
      List<Map<String, Object>> steps = (List<Map<String, Object>>) job(name).get("steps");
      assertThat(steps).as(name).anySatisfy(step -> {
        assertThat(String.valueOf(step.get("uses"))).startsWith("actions/setup-java@");
        assertThat(path(step, "with.java-version")).isEqualTo(release.group(1));
      });
    }
  }

  @Test
  void theNativeExecutableIsLinkedInTheBuilderImageOfTheNativeDockerfile() throws IOException {
    Matcher from = Pattern.compile("(?m)^FROM (\\S+mandrel-builder-image\\S*)").matcher(Files.readString(Path.of("docker/Dockerfile.native-build")));
    assertThat(from.find()).isTrue();
    String run = runs(job("native"));
    assertThat(run).contains("-Dnative", "-Dquarkus.native.container-build=true", "-Dquarkus.native.builder-image=" + from.group(1), "verify");
  }

  @Test
  void imagesArePushedOnVersionTagsOnlyAfterBothJobsWithTheWorkflowsToken() throws IOException {
    Map<String, Object> images = job("images");
    assertThat(images.get("if")).isEqualTo("startsWith(github.ref, 'refs/tags/v')");
    assertThat((List<String>) images.get("needs")).containsExactlyInAnyOrder("ci", "native");
    assertThat(path(images, "permissions.packages")).isEqualTo("write");
    String run = runs(images);
    assertThat(run).contains("-Dquarkus.container-image.build=true", "-Dquarkus.container-image.push=true",
        "-Dquarkus.container-image.registry=ghcr.io", "-Dquarkus.container-image.password=${{ secrets.GITHUB_TOKEN }}",
        "docker build -f docker/Dockerfile.native");
    // The workflow's default token reads only; the tag trigger exists.
    Map<String, Object> workflow = workflow();
    assertThat(path(workflow, "permissions.contents")).isEqualTo("read");
    Map<String, Object> on = (Map<String, Object>) (workflow.containsKey("on") ? workflow.get("on") : workflow.get(true));
    assertThat((List<String>) path(on, "push.tags")).containsExactly("v*");
  }

  @Test
  void everyScriptDotCiRunCallsExists() throws IOException {
    Matcher script = Pattern.compile("(src/test/[\\w/-]+\\.sh)").matcher(Files.readString(Path.of(".ci/run")));
    int found = 0;
    while (script.find()) {
      assertThat(Path.of(script.group(1))).as(script.group(1)).isRegularFile().isExecutable();
      found++;
    }
    assertThat(found).isGreaterThanOrEqualTo(6);
  }

  private static String runs(Map<String, Object> job) {
    StringBuilder run = new StringBuilder();
    for (Map<String, Object> step : (List<Map<String, Object>>) job.get("steps")) {
      if (step.get("run") != null) {
        run.append(step.get("run")).append('\n');
      }
    }
    return run.toString();
  }

  private static Map<String, Object> job(String name) throws IOException {
    Map<String, Object> job = (Map<String, Object>) path(workflow(), "jobs." + name);
    assertThat(job).as("job " + name).isNotNull();
    assertThat(job.get("runs-on")).isEqualTo("ubuntu-latest");
    assertThat((Integer) job.get("timeout-minutes")).isPositive();
    return job;
  }

  private static Map<String, Object> workflow() throws IOException {
    return (Map<String, Object>) new Yaml().load(Files.readString(WORKFLOW));
  }

  private static Object path(Map<String, Object> root, String dotted) {
    Object node = root;
    for (String part : dotted.split("\\.")) {
      if (!(node instanceof Map<?, ?> map)) {
        return null;
      }
      node = map.get(part);
    }
    return node;
  }
}
