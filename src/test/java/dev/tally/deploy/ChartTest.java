package dev.tally.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart (docker/helm/tally) is what {@link ChartGenerator} makes of the kustomize manifests today, is
 * well-formed, and renders ({@link ChartRenderer}; no helm binary here) to what `kubectl kustomize` renders: the base
 * with the default values, the Prometheus operator overlay with the ServiceMonitor and PrometheusRule on, the base plus the ingress
 * component with the Ingress on. Regenerate it with {@value ChartGenerator#REGENERATE}.
 */
@SuppressWarnings("unchecked")
class ChartTest {

  private static final Path CHART = ChartGenerator.CHART;

  @Test
  void theCommittedChartIsTheOneTheManifestsGenerate() throws IOException {
    Map<String, String> generated = ChartGenerator.generate();
    if (Boolean.getBoolean("tally.chart.write")) {
      if (Files.isDirectory(CHART.resolve("templates"))) {
        try (Stream<Path> old = Files.list(CHART.resolve("templates"))) {
          for (Path file : old.toList()) {
            Files.delete(file);
          }
        }
      }
      for (Map.Entry<String, String> file : generated.entrySet()) {
        Files.createDirectories(CHART.resolve(file.getKey()).getParent());
        Files.writeString(CHART.resolve(file.getKey()), file.getValue());
      }
    }
    assertThat(committed()).as("docker/helm/tally is stale: " + ChartGenerator.REGENERATE).isEqualTo(generated);
  }

  @Test
  void chartYamlAndValuesAreWellFormed() throws IOException {
    Map<String, Object> chart = yaml(CHART.resolve("Chart.yaml"));
    assertThat(chart).containsEntry("apiVersion", "v2").containsEntry("name", "tally").containsEntry("type", "application");
    assertThat((String) chart.get("version")).matches("\\d+\\.\\d+\\.\\d+(-[\\w.]+)?");
    assertThat(chart.get("appVersion")).isEqualTo(path(values(), "image.tag"));
    Map<String, Object> values = values();
    assertThat(values).containsKeys("image", "replicaCount", "resources", "database", "secrets", "config", "migration",
        "autoscaling", "podDisruptionBudget", "networkPolicy", "monitoring", "ingress");
    for (String template : templates().keySet()) {
      assertThat(template).matches("templates/[a-z-]+\\.yaml");
    }
  }

  @Test
  void everyReferenceIsAValueAndEveryValueIsUsed() throws IOException {
    Set<String> references = new TreeSet<>();
    Matcher m = Pattern.compile("\\.Values\\.([\\w.]+)").matcher(String.join("\n", templates().values()));
    while (m.find()) {
      references.add(m.group(1));
    }
    Map<String, Object> values = values();
    for (String reference : references) {
      ChartRenderer.value(values, reference, "templates"); // throws when undefined
    }
    List<String> leaves = new ArrayList<>();
    leaves(values, "", leaves);
    assertThat(leaves).isNotEmpty().allSatisfy(leaf -> assertThat(references)
        .as(leaf + " is used by no template").anyMatch(reference -> leaf.equals(reference) || leaf.startsWith(reference + ".")));
  }

  @Test
  void theDefaultValuesRenderTheKustomizeBase() throws IOException, InterruptedException {
    Assumptions.assumeTrue(DeploymentManifestsTest.onPath("kubectl"), "kubectl is not installed");
    assertThat(byName(withoutHooks(written("defaults", render(values()))))).isEqualTo(byName(kustomize(Path.of("docker/kubernetes"))));
  }

  @Test
  void theServiceMonitorAndPrometheusRuleValuesRenderThePrometheusOperatorOverlay() throws IOException, InterruptedException {
    Assumptions.assumeTrue(DeploymentManifestsTest.onPath("kubectl"), "kubectl is not installed");
    Map<String, Object> values = values();
    set(values, "monitoring.serviceMonitor.enabled", true);
    set(values, "monitoring.prometheusRule.enabled", true);
    assertThat(byName(withoutHooks(written("servicemonitor", render(values))))).isEqualTo(byName(kustomize(Path.of("docker/overlays/prometheus-operator"))));
  }

  @Test
  void theIngressValueRendersTheIngressComponent() throws IOException, InterruptedException {
    Assumptions.assumeTrue(DeploymentManifestsTest.onPath("kubectl"), "kubectl is not installed");
    Path overlay = Path.of("target/chart-test/ingress");
    Files.createDirectories(overlay);
    Files.writeString(overlay.resolve("kustomization.yaml"), """
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        resources:
          - ../../../docker/kubernetes
        components:
          - ../../../docker/kubernetes/components/ingress
        """);
    Map<String, Object> values = values();
    set(values, "ingress.enabled", true);
    assertThat(byName(withoutHooks(written("ingress", render(values))))).isEqualTo(byName(kustomize(overlay)));
  }

  @Test
  void valuesChangeWhatTheySay() throws IOException {
    Map<String, Object> values = values();
    set(values, "image.repository", "ghcr.io/example/tally");
    set(values, "image.tag", "1.2.3");
    set(values, "replicaCount", 3);
    set(values, "database.host", "db.internal");
    set(values, "database.port", 6432);
    set(values, "database.name", "analytics");
    set(values, "secrets.database", "app-db");
    set(values, "secrets.migrator", "owner-db");
    set(values, "autoscaling.enabled", false);
    set(values, "networkPolicy.enabled", false);
    set(values, "ingress.enabled", true);
    set(values, "ingress.className", "");
    set(values, "ingress.tlsSecret", "");
    set(values, "ingress.host", "tally.internal");
    set(values, "monitoring.serviceMonitor.enabled", true);
    set(values, "monitoring.serviceMonitor.labels", Map.of("release", "kube-prometheus-stack"));
    set(values, "monitoring.prometheusRule.enabled", true);
    set(values, "monitoring.prometheusRule.labels", Map.of("release", "kube-prometheus-stack"));
    Map<String, Map<String, Object>> rendered = byName(written("changed", render(values)));
    assertThat(rendered).doesNotContainKeys("HorizontalPodAutoscaler/tally", "NetworkPolicy/tally");
    Map<String, Object> deployment = rendered.get("Deployment/tally");
    assertThat(path(deployment, "spec.replicas")).isEqualTo(3);
    Map<String, Object> job = rendered.get("Job/tally-migrate");
    List<Map<String, Object>> containers = new ArrayList<>();
    containers.addAll((List<Map<String, Object>>) path(deployment, "spec.template.spec.containers"));
    containers.addAll((List<Map<String, Object>>) path(deployment, "spec.template.spec.initContainers"));
    containers.addAll((List<Map<String, Object>>) path(job, "spec.template.spec.containers"));
    assertThat(containers).hasSize(3).allSatisfy(container -> {
      assertThat(container.get("image")).isEqualTo("ghcr.io/example/tally:1.2.3");
      String env = String.valueOf(container.get("env"));
      assertThat(env).contains("value=postgresql://db.internal:6432/analytics", "value=jdbc:postgresql://db.internal:6432/analytics")
          .doesNotContain("tally-postgres", "name=tally-db,");
    });
    assertThat(String.valueOf(path(job, "spec.template.spec.containers"))).contains("name=owner-db");
    assertThat(String.valueOf(path(deployment, "spec.template.spec.containers"))).contains("name=app-db");
    Map<String, Object> ingress = rendered.get("Ingress/tally");
    assertThat((Map<String, Object>) path(ingress, "spec")).doesNotContainKeys("ingressClassName", "tls");
    assertThat(String.valueOf(path(ingress, "spec.rules"))).contains("host=tally.internal");
    assertThat((Map<String, Object>) path(rendered.get("ServiceMonitor/tally"), "metadata.labels"))
        .containsEntry("release", "kube-prometheus-stack").containsEntry("app.kubernetes.io/name", "tally");
    assertThat((Map<String, Object>) path(rendered.get("PrometheusRule/tally"), "metadata.labels"))
        .containsEntry("release", "kube-prometheus-stack").containsEntry("app.kubernetes.io/name", "tally");
    // Prometheus' own templates reach the cluster untouched.
    assertThat(String.valueOf(path(rendered.get("PrometheusRule/tally"), "spec"))).contains("{{ $value | humanizeDuration }}");

    set(values, "migration.enabled", false);
    assertThat(byName(render(values))).doesNotContainKey("Job/tally-migrate");
  }

  @Test
  void theMigrationJobRunsBeforeThePodsChangeOnInstallAndUpgrade() throws IOException {
    Map<String, Object> job = byName(render(values())).get("Job/tally-migrate");
    assertThat((Map<String, Object>) path(job, "metadata.annotations"))
        .containsEntry("helm.sh/hook", "pre-install,pre-upgrade")
        .containsEntry("helm.sh/hook-delete-policy", "before-hook-creation");
  }

  // ---- helpers

  private static Map<String, String> committed() throws IOException {
    Map<String, String> files = new TreeMap<>();
    if (!Files.isDirectory(CHART)) {
      return files;
    }
    try (Stream<Path> all = Files.walk(CHART)) {
      for (Path file : all.filter(Files::isRegularFile).toList()) {
        files.put(CHART.relativize(file).toString(), Files.readString(file));
      }
    }
    return files;
  }

  private static Map<String, String> templates() throws IOException {
    Map<String, String> templates = new TreeMap<>();
    committed().forEach((name, text) -> {
      if (name.startsWith("templates/")) {
        templates.put(name, text);
      }
    });
    assertThat(templates).isNotEmpty();
    return templates;
  }

  private static List<Map<String, Object>> render(Map<String, Object> values) throws IOException {
    return ChartRenderer.render(templates(), values);
  }

  /**
   * The documents, also written to target/chart-test/rendered-NAME.yaml: src/test/schema/check.sh (in .ci/run)
   * validates them against the Kubernetes schemas.
   */
  private static List<Map<String, Object>> written(String name, List<Map<String, Object>> documents) throws IOException {
    Path file = Path.of("target/chart-test/rendered-" + name + ".yaml");
    Files.createDirectories(file.getParent());
    Files.writeString(file, new Yaml().dumpAll(documents.iterator()));
    return documents;
  }

  private static Map<String, Object> values() throws IOException {
    return yaml(CHART.resolve("values.yaml"));
  }

  private static Map<String, Object> yaml(Path file) throws IOException {
    return (Map<String, Object>) new Yaml().load(Files.readString(file));
  }

  /** The Helm-only annotations (hooks) removed: what is left must equal the kustomize output. */
  private static List<Map<String, Object>> withoutHooks(List<Map<String, Object>> documents) {
    for (Map<String, Object> document : documents) {
      Map<String, Object> metadata = (Map<String, Object>) document.get("metadata");
      Map<String, Object> annotations = (Map<String, Object>) metadata.get("annotations");
      if (annotations != null) {
        annotations.keySet().removeIf(key -> key.startsWith("helm.sh/"));
        if (annotations.isEmpty()) {
          metadata.remove("annotations");
        }
      }
    }
    return documents;
  }

  private static Map<String, Map<String, Object>> byName(List<Map<String, Object>> documents) {
    Map<String, Map<String, Object>> byName = new TreeMap<>();
    for (Map<String, Object> document : documents) {
      String key = document.get("kind") + "/" + path(document, "metadata.name");
      assertThat(byName.put(key, document)).as("two " + key).isNull();
    }
    return byName;
  }

  private static List<Map<String, Object>> kustomize(Path dir) throws IOException, InterruptedException {
    Process process = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor()).as("kubectl kustomize " + dir + ":\n" + output).isZero();
    List<Map<String, Object>> documents = new ArrayList<>();
    for (Object document : new Yaml().loadAll(output)) {
      documents.add((Map<String, Object>) document);
    }
    return documents;
  }

  private static void leaves(Map<String, Object> map, String prefix, List<String> out) {
    map.forEach((key, value) -> {
      if (value instanceof Map<?, ?> nested && !nested.isEmpty()) {
        leaves((Map<String, Object>) nested, prefix + key + ".", out);
      } else {
        out.add(prefix + key);
      }
    });
  }

  private static void set(Map<String, Object> values, String dotted, Object value) {
    List<String> parts = Arrays.asList(dotted.split("\\."));
    Map<String, Object> node = values;
    for (String part : parts.subList(0, parts.size() - 1)) {
      node = (Map<String, Object>) node.computeIfAbsent(part, k -> new LinkedHashMap<String, Object>());
    }
    assertThat(node).as(dotted + " is a value of the chart").containsKey(parts.get(parts.size() - 1));
    node.put(parts.get(parts.size() - 1), value);
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
