package dev.tally.deploy;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart docker/helm/tally, generated from the kustomize manifests (docker/kubernetes and its components):
 * one source, no second hand-maintained copy. Each template is a manifest with some of its fields replaced by
 * {@code .Values} references; the value each reference replaces becomes its default in values.yaml, so the chart's
 * defaults render the kustomize base. ChartTest regenerates the chart, fails when the committed one differs, and
 * renders it ({@link ChartRenderer}) against `kubectl kustomize`.
 *
 * <p>The templates use only what ChartRenderer understands: {@code {{ .Values.x }}}, {@code {{ .Values.x | quote }}}
 * and a raw string {@code {{ `text` }}} (a scalar holding Prometheus' own {@code {{ }}}) inside a scalar, and on lines of
 * their own {@code {{- if [not] .Values.x }}}, {@code {{- end }}} and
 * {@code {{- toYaml .Values.x | nindent N }}}.
 */
final class ChartGenerator {

  static final Path BASE = Path.of("docker/kubernetes");
  static final Path CHART = Path.of("docker/helm/tally");
  static final String REGENERATE = "./mvnw -B test -Dtest=ChartTest -Dtally.chart.write=true";

  /** A scalar replaced by one template expression: {@code {{ expression }}}. */
  record Expr(String expression) {}

  /** A scalar whose text holds template expressions. */
  record Text(String text) {}

  /** A map or list replaced by {@code toYaml} of a value. */
  record Block(String value) {}

  /** A map entry, or a whole document, present only when the condition holds. */
  record Cond(String condition, Object node) {}

  /** In a map: the entries of a value (a map) added when it is not empty. */
  record Splice(String value) {}

  private final Map<String, Object> values = new LinkedHashMap<>();
  private final Map<String, String> comments = new LinkedHashMap<>();
  private final Map<String, String> files = new TreeMap<>();

  /** The chart's files, by path under docker/helm/tally. */
  static Map<String, String> generate() throws IOException {
    return new ChartGenerator().build();
  }

  private Map<String, String> build() throws IOException {
    Map<String, Object> kustomization = load(BASE.resolve("kustomization.yaml"));
    Map<String, Object> image = ((List<Map<String, Object>>) kustomization.get("images")).get(0);
    value("image.repository", image.get("newName"), "The image: the Jib image (docs/deployment.md), pushed to your registry. registry.example.com is a placeholder.");
    value("image.tag", image.get("newTag"), null);
    value("image.pullPolicy", "IfNotPresent", null);

    deployment();
    configMap();
    template("service.yaml", load(BASE.resolve("service.yaml")));
    template("service-management.yaml", load(BASE.resolve("service-management.yaml")));
    hpa();
    pdb();
    networkPolicy();
    migrationJob();
    serviceMonitor();
    prometheusRule();
    ingress();

    files.put("Chart.yaml", chartYaml(image));
    files.put("values.yaml", valuesYaml());
    return files;
  }

  // ---- the manifests and their values

  private void deployment() {
    Map<String, Object> deployment = load(BASE.resolve("deployment.yaml"));
    Map<String, Object> spec = map(deployment, "spec");
    replace(spec, "replicas", "replicaCount", "Replicas when autoscaling is off; the HPA's minimum otherwise.", false);
    Map<String, Object> podMetadata = map(deployment, "spec.template.metadata");
    podMetadata.put("annotations", new Cond("not .Values.monitoring.serviceMonitor.enabled", podMetadata.get("annotations")));
    Map<String, Object> container = first(deployment, "spec.template.spec.containers");
    Map<String, Object> await = first(deployment, "spec.template.spec.initContainers");
    replace(container, "resources", "resources", "Of every Tally container: the pods, their init container and the migration Job.", true);
    for (Map<String, Object> c : List.of(container, await)) {
      image(c);
      database(c);
      c.put("resources", new Block(".Values.resources"));
      secretRef(c, "tally-db", "secrets.database", "The Secret with the runtime role's username and password (docker/database/roles.sql).");
    }
    secretRef(container, "tally-api", "secrets.adminKey", "The Secret with bootstrap-admin-key.");
    Map<String, Object> poolSize = env(container, "QUARKUS_DATASOURCE_REACTIVE_MAX_SIZE");
    replace(poolSize, "value", "database.maxPoolSize", "Connections per pod; times autoscaling.maxReplicas stays under max_connections.", false);
    poolSize.put("value", new Expr(".Values.database.maxPoolSize | quote"));
    template("deployment.yaml", deployment);
  }

  private void configMap() {
    Map<String, Object> configMap = load(BASE.resolve("configmap.yaml"));
    replace(configMap, "data", "config", "Tally's settings (docs/configuration.md) as environment variables; quoted strings.", true);
    template("configmap.yaml", configMap);
  }

  private void hpa() {
    Map<String, Object> hpa = load(BASE.resolve("hpa.yaml"));
    value("autoscaling.enabled", true, "The HorizontalPodAutoscaler (CPU).");
    Map<String, Object> spec = map(hpa, "spec");
    replace(spec, "minReplicas", "autoscaling.minReplicas", null, false);
    replace(spec, "maxReplicas", "autoscaling.maxReplicas", null, false);
    Map<String, Object> target = map(first(hpa, "spec.metrics"), "resource.target");
    replace(target, "averageUtilization", "autoscaling.targetCPUUtilizationPercentage", null, false);
    template("hpa.yaml", new Cond(".Values.autoscaling.enabled", hpa));
  }

  private void pdb() {
    Map<String, Object> pdb = load(BASE.resolve("pdb.yaml"));
    replace(map(pdb, "spec"), "maxUnavailable", "podDisruptionBudget.maxUnavailable", "Pods a node drain may evict at once.", false);
    template("pdb.yaml", pdb);
  }

  private void networkPolicy() {
    Map<String, Object> policy = load(BASE.resolve("networkpolicy.yaml"));
    value("networkPolicy.enabled", true, "Who may reach the pods: the API port from anywhere, the management port from this namespace and Prometheus'.");
    for (Map<String, Object> rule : (List<Map<String, Object>>) map(policy, "spec").get("ingress")) {
      for (Map<String, Object> from : (List<Map<String, Object>>) rule.getOrDefault("from", List.of())) {
        if (from.containsKey("namespaceSelector")) {
          Map<String, Object> labels = map(from, "namespaceSelector.matchLabels");
          replace(labels, "kubernetes.io/metadata.name", "networkPolicy.monitoringNamespace", "The namespace Prometheus runs in.", false);
          labels.put("kubernetes.io/metadata.name", new Expr(".Values.networkPolicy.monitoringNamespace | quote"));
        }
      }
    }
    template("networkpolicy.yaml", new Cond(".Values.networkPolicy.enabled", policy));
  }

  private void migrationJob() {
    Map<String, Object> job = load(BASE.resolve("migration-job.yaml"));
    value("migration.enabled", true, "The migration Job, a pre-install/pre-upgrade hook: runs before the pods change. Off: migrate some other way; the pods wait for it either way.");
    Map<String, Object> metadata = map(job, "metadata");
    Map<String, Object> annotations = new LinkedHashMap<>();
    annotations.put("helm.sh/hook", "pre-install,pre-upgrade");
    annotations.put("helm.sh/hook-delete-policy", "before-hook-creation");
    metadata.put("annotations", annotations);
    Map<String, Object> spec = map(job, "spec");
    replace(spec, "backoffLimit", "migration.backoffLimit", null, false);
    replace(spec, "activeDeadlineSeconds", "migration.activeDeadlineSeconds", null, false);
    Map<String, Object> container = first(job, "spec.template.spec.containers");
    image(container);
    database(container);
    container.put("resources", new Block(".Values.resources"));
    secretRef(container, "tally-db-migrator", "secrets.migrator", "The Secret with the migration role's username and password, used by the Job only.");
    template("migration-job.yaml", new Cond(".Values.migration.enabled", job));
  }

  private void serviceMonitor() {
    Map<String, Object> monitor = load(BASE.resolve("components/servicemonitor/servicemonitor.yaml"));
    value("monitoring.serviceMonitor.enabled", false, "With the Prometheus operator: a ServiceMonitor, and no prometheus.io annotations on the pods.");
    Map<String, Object> labels = map(monitor, "metadata.labels");
    labels.put("splice", new Splice(".Values.monitoring.serviceMonitor.labels"));
    value("monitoring.serviceMonitor.labels", new LinkedHashMap<>(), "Extra labels, e.g. release: <kube-prometheus-stack release> for its selector.");
    replace(first(monitor, "spec.endpoints"), "interval", "monitoring.serviceMonitor.interval", null, false);
    template("servicemonitor.yaml", new Cond(".Values.monitoring.serviceMonitor.enabled", monitor));
  }

  private void prometheusRule() {
    Map<String, Object> rule = load(BASE.resolve("components/servicemonitor/prometheusrule.yaml"));
    value("monitoring.prometheusRule.enabled", false, "With the Prometheus operator: Tally's alerts (docs/monitoring.md) as a PrometheusRule.");
    Map<String, Object> labels = map(rule, "metadata.labels");
    labels.put("splice", new Splice(".Values.monitoring.prometheusRule.labels"));
    value("monitoring.prometheusRule.labels", new LinkedHashMap<>(), "Extra labels, e.g. release: <kube-prometheus-stack release> for its rule selector.");
    template("prometheusrule.yaml", new Cond(".Values.monitoring.prometheusRule.enabled", rule));
  }

  private void ingress() {
    Map<String, Object> ingress = load(BASE.resolve("components/ingress/ingress.yaml"));
    value("ingress.enabled", false, "An Ingress to the API port (never the management port).");
    Map<String, Object> spec = map(ingress, "spec");
    replace(spec, "ingressClassName", "ingress.className", null, false);
    spec.put("ingressClassName", new Cond(".Values.ingress.className", spec.get("ingressClassName")));
    Map<String, Object> rule = first(ingress, "spec.rules");
    replace(rule, "host", "ingress.host", null, false);
    Map<String, Object> tls = first(ingress, "spec.tls");
    tls.put("hosts", List.of(new Expr(".Values.ingress.host")));
    replace(tls, "secretName", "ingress.tlsSecret", "TLS ends at the Ingress: the Secret with its certificate; empty for none.", false);
    spec.put("tls", new Cond(".Values.ingress.tlsSecret", spec.get("tls")));
    template("ingress.yaml", new Cond(".Values.ingress.enabled", ingress));
  }

  /** The image: the kustomize name, made repository:tag. */
  private static void image(Map<String, Object> container) {
    container.put("image", new Text("{{ .Values.image.repository }}:{{ .Values.image.tag }}"));
    container.put("imagePullPolicy", new Expr(".Values.image.pullPolicy"));
  }

  /** The datasource URLs: host, port and database as values. */
  private void database(Map<String, Object> container) {
    Pattern url = Pattern.compile("(?:jdbc:)?postgresql://([^:/]+):(\\d+)/(\\w+)");
    for (String name : List.of("QUARKUS_DATASOURCE_REACTIVE_URL", "QUARKUS_DATASOURCE_JDBC_URL")) {
      Map<String, Object> entry = env(container, name);
      Matcher m = url.matcher((String) entry.get("value"));
      if (!m.matches()) {
        throw new IllegalStateException(name + " is not a PostgreSQL URL: " + entry.get("value"));
      }
      value("database.host", m.group(1), "PostgreSQL: the URLs of every container are made of these.");
      value("database.port", Integer.parseInt(m.group(2)), null);
      value("database.name", m.group(3), null);
      String prefix = name.endsWith("JDBC_URL") ? "jdbc:postgresql://" : "postgresql://";
      entry.put("value", new Text(prefix + "{{ .Values.database.host }}:{{ .Values.database.port }}/{{ .Values.database.name }}"));
    }
  }

  /** Every secretKeyRef to the Secret named secret refers to the value instead. */
  private void secretRef(Map<String, Object> container, String secret, String valuePath, String comment) {
    boolean found = false;
    for (Map<String, Object> entry : (List<Map<String, Object>>) container.get("env")) {
      Map<String, Object> ref = entry.get("valueFrom") instanceof Map<?, ?> from ? (Map<String, Object>) from.get("secretKeyRef") : null;
      if (ref != null && secret.equals(ref.get("name"))) {
        ref.put("name", new Expr(".Values." + valuePath));
        found = true;
      }
    }
    if (!found) {
      throw new IllegalStateException("no secretKeyRef to " + secret);
    }
    value(valuePath, secret, comment);
  }

  /** Replaces map[key] by a reference to valuePath (a block for maps and lists), its value the default. */
  private void replace(Map<String, Object> map, String key, String valuePath, String comment, boolean block) {
    if (!map.containsKey(key)) {
      throw new IllegalStateException("no " + key + " in " + map.keySet());
    }
    value(valuePath, map.get(key), comment);
    map.put(key, block ? new Block(".Values." + valuePath) : new Expr(".Values." + valuePath));
  }

  private void value(String path, Object value, String comment) {
    Object previous = values.putIfAbsent(path, value);
    if (previous != null && !previous.equals(value)) {
      throw new IllegalStateException(path + " has two defaults in the manifests: " + previous + " and " + value);
    }
    if (comment != null) {
      comments.putIfAbsent(path, comment);
    }
  }

  private void template(String file, Object document) {
    StringBuilder out = new StringBuilder();
    out.append("# Generated from the kustomize manifests in docker/kubernetes by ChartGenerator: edit those, then\n")
        .append("# ").append(REGENERATE).append('\n');
    if (document instanceof Cond cond) {
      out.append("{{- if ").append(cond.condition()).append(" }}\n");
      writeMap(out, (Map<String, Object>) cond.node(), 0);
      out.append("{{- end }}\n");
    } else {
      writeMap(out, (Map<String, Object>) document, 0);
    }
    files.put("templates/" + file, out.toString());
  }

  private String chartYaml(Map<String, Object> image) throws IOException {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(Path.of("src/main/resources/application.properties"))) {
      properties.load(reader);
    }
    Map<String, Object> chart = new LinkedHashMap<>();
    chart.put("apiVersion", "v2");
    chart.put("name", "tally");
    chart.put("description", properties.getProperty("quarkus.smallrye-openapi.info-description"));
    chart.put("type", "application");
    chart.put("version", properties.getProperty("quarkus.smallrye-openapi.info-version"));
    chart.put("appVersion", String.valueOf(image.get("newTag")));
    StringBuilder out = new StringBuilder("# Generated by ChartGenerator (").append(REGENERATE).append(").\n");
    writeMap(out, chart, 0);
    return out.toString();
  }

  private String valuesYaml() {
    // The flat paths as nested maps, in the order they were met.
    Map<String, Object> tree = new LinkedHashMap<>();
    for (Map.Entry<String, Object> entry : values.entrySet()) {
      String[] parts = entry.getKey().split("\\.");
      Map<String, Object> node = tree;
      for (int i = 0; i < parts.length - 1; i++) {
        node = (Map<String, Object>) node.computeIfAbsent(parts[i], k -> new LinkedHashMap<String, Object>());
      }
      node.put(parts[parts.length - 1], entry.getValue());
    }
    StringBuilder out = new StringBuilder();
    out.append("# The defaults render the kustomize base (docker/kubernetes), from which ChartGenerator generates this chart:\n")
        .append("# edit the manifests, then ").append(REGENERATE).append("\n")
        .append("# helm install tally docker/helm/tally --set image.repository=<registry>/tally/tally --set image.tag=<version>\n")
        .append("# (docs/deployment.md: the database roles and the Secrets come first).\n");
    writeValues(out, tree, "", 0);
    return out.toString();
  }

  private void writeValues(StringBuilder out, Map<String, Object> tree, String prefix, int indent) {
    for (Map.Entry<String, Object> entry : tree.entrySet()) {
      String path = prefix + entry.getKey();
      boolean section = entry.getValue() instanceof Map<?, ?> && !values.containsKey(path);
      String comment = comments.get(path);
      if (section && comment == null) {
        comment = comments.get(path + ".enabled"); // a section's switch says what the section is
      }
      String parent = prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1);
      if (path.endsWith(".enabled") && !parent.isEmpty() && comments.get(parent) == null) {
        comment = null; // said above the section
      }
      if (comment != null) {
        for (String line : wrap(comment, 110 - indent)) {
          out.append(" ".repeat(indent)).append("# ").append(line).append('\n');
        }
      }
      if (section) {
        out.append(" ".repeat(indent)).append(key(entry.getKey())).append(":\n");
        writeValues(out, (Map<String, Object>) entry.getValue(), path + ".", indent + 2);
      } else {
        Map<String, Object> single = new LinkedHashMap<>();
        single.put(entry.getKey(), entry.getValue());
        writeMap(out, single, indent);
      }
    }
  }

  private static List<String> wrap(String text, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" ")) {
      if (line.length() > 0 && line.length() + 1 + word.length() > width) {
        lines.add(line.toString());
        line.setLength(0);
      }
      line.append(line.length() > 0 ? " " : "").append(word);
    }
    lines.add(line.toString());
    return lines;
  }

  // ---- a small YAML writer that knows the template nodes

  private static void writeMap(StringBuilder out, Map<String, Object> map, int indent) {
    String pad = " ".repeat(indent);
    for (Map.Entry<String, Object> entry : map.entrySet()) {
      Object node = entry.getValue();
      if (node instanceof Splice splice) {
        out.append(pad).append("{{- if ").append(splice.value()).append(" }}\n")
            .append(pad).append("{{- toYaml ").append(splice.value()).append(" | nindent ").append(indent).append(" }}\n")
            .append(pad).append("{{- end }}\n");
      } else if (node instanceof Cond cond) {
        out.append(pad).append("{{- if ").append(cond.condition()).append(" }}\n");
        writeEntry(out, entry.getKey(), cond.node(), indent);
        out.append(pad).append("{{- end }}\n");
      } else {
        writeEntry(out, entry.getKey(), node, indent);
      }
    }
  }

  private static void writeEntry(StringBuilder out, String key, Object node, int indent) {
    String pad = " ".repeat(indent);
    if (node instanceof Map<?, ?> map && !map.isEmpty()) {
      out.append(pad).append(key(key)).append(":\n");
      writeMap(out, (Map<String, Object>) map, indent + 2);
    } else if (node instanceof List<?> list && !list.isEmpty()) {
      out.append(pad).append(key(key)).append(":\n");
      writeList(out, list, indent + 2);
    } else if (node instanceof Block block) {
      out.append(pad).append(key(key)).append(":\n")
          .append(pad).append("  {{- toYaml ").append(block.value()).append(" | nindent ").append(indent + 2).append(" }}\n");
    } else {
      out.append(pad).append(key(key)).append(": ").append(scalar(node)).append('\n');
    }
  }

  private static void writeList(StringBuilder out, List<?> list, int indent) {
    String pad = " ".repeat(indent);
    for (Object item : list) {
      if (item instanceof Map<?, ?> map && !map.isEmpty()) {
        StringBuilder nested = new StringBuilder();
        writeMap(nested, (Map<String, Object>) map, indent + 2);
        if (!nested.substring(indent, indent + 2).equals("  ") || nested.charAt(indent + 2) == ' ' || nested.charAt(indent + 2) == '{') {
          throw new IllegalStateException("a list item cannot begin with a template line: " + nested);
        }
        out.append(pad).append("- ").append(nested.substring(indent + 2));
      } else if (item instanceof List<?>) {
        throw new IllegalStateException("nested lists are not written");
      } else {
        out.append(pad).append("- ").append(scalar(item)).append('\n');
      }
    }
  }

  private static final Pattern PLAIN = Pattern.compile("[A-Za-z/][A-Za-z0-9_./:@-]*");
  private static final Pattern SPECIAL = Pattern.compile("(?i)true|false|yes|no|on|off|null|y|n");

  private static String key(String key) {
    return scalar(key);
  }

  private static String scalar(Object node) {
    if (node instanceof Expr expr) {
      return "{{ " + expr.expression() + " }}";
    }
    if (node instanceof Text text) {
      return text.text();
    }
    if (node instanceof Map<?, ?> map && map.isEmpty()) {
      return "{}";
    }
    if (node instanceof List<?> list && list.isEmpty()) {
      return "[]";
    }
    if (node instanceof Integer || node instanceof Long || node instanceof Boolean) {
      return node.toString();
    }
    if (node instanceof String string) {
      if (PLAIN.matcher(string).matches() && !SPECIAL.matcher(string).matches() && !string.endsWith(":")) {
        return string;
      }
      String quoted = '"' + string.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t") + '"';
      if (quoted.contains("{{") || quoted.contains("}}")) {
        // Prometheus' own templates (alert annotations): a Go raw string, which Helm prints as it is.
        if (quoted.contains("`")) {
          throw new IllegalStateException("cannot pass through Helm: " + string);
        }
        return "{{ `" + quoted + "` }}";
      }
      return quoted;
    }
    throw new IllegalStateException("cannot write " + node + " (" + (node == null ? null : node.getClass()) + ")");
  }

  // ---- reading

  private static Map<String, Object> load(Path file) {
    try (Reader reader = Files.newBufferedReader(file)) {
      return (Map<String, Object>) new Yaml().load(reader);
    } catch (IOException e) {
      throw new IllegalStateException(file.toString(), e);
    }
  }

  private static Map<String, Object> map(Map<String, Object> root, String dotted) {
    Object node = root;
    for (String part : dotted.split("\\.")) {
      node = ((Map<String, Object>) node).get(part);
    }
    return (Map<String, Object>) node;
  }

  private static Map<String, Object> first(Map<String, Object> root, String dotted) {
    int last = dotted.lastIndexOf('.');
    Map<String, Object> parent = last < 0 ? root : map(root, dotted.substring(0, last));
    return ((List<Map<String, Object>>) parent.get(dotted.substring(last + 1))).get(0);
  }

  private static Map<String, Object> env(Map<String, Object> container, String name) {
    return ((List<Map<String, Object>>) container.get("env")).stream().filter(e -> name.equals(e.get("name"))).findFirst()
        .orElseThrow(() -> new IllegalStateException("no " + name + " in " + container.get("name")));
  }

  private ChartGenerator() {}
}
