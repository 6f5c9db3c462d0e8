package dev.tally.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.platform.TallyConfig;
import io.smallrye.config.WithName;
import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The deployment files agree with the code: probes hit endpoints that exist, ports line up, every environment
 * variable is a real configuration key, and the manifests keep the safety settings that matter. Plain JUnit
 * over the committed YAML (SnakeYAML arrives through quarkus-smallrye-openapi); no cluster needed.
 */
@SuppressWarnings("unchecked")
class DeploymentManifestsTest {

  private static final Path K8S = Path.of("docker/kubernetes");
  private static final Path DOCKER = Path.of("docker");

  /** What quarkus-smallrye-health serves under the default root path. */
  private static final Set<String> HEALTH_ENDPOINTS = Set.of("/q/health/started", "/q/health/live", "/q/health/ready");

  /** The Quarkus keys the deployment files set; each is documented in the Quarkus configuration reference. */
  private static final Set<String> QUARKUS_KEYS = Set.of(
      "quarkus.datasource.reactive.url",
      "quarkus.datasource.jdbc.url",
      "quarkus.datasource.username",
      "quarkus.datasource.password",
      "quarkus.datasource.reactive.max-size",
      "quarkus.http.port",
      "quarkus.flyway.migrate-at-start",
      "quarkus.flyway.validate-at-start",
      "quarkus.flyway.ignore-migration-patterns",
      "quarkus.init-and-exit",
      "quarkus.shutdown.delay");

  private static final int QUARKUS_DEFAULT_HTTP_PORT = 8080;
  private static final int QUARKUS_DEFAULT_MANAGEMENT_PORT = 9000;

  @Test
  void healthMetricsAndOpenApiAreOnTheManagementInterface() throws IOException {
    assertThat(applicationProperties().getProperty("quarkus.management.enabled")).isEqualTo("true");
  }

  @Test
  void probesPointAtTheHealthEndpointsSmallRyeServes() {
    Map<String, Object> container = container();
    assertThat(path(container, "startupProbe.httpGet.path")).isEqualTo("/q/health/started");
    assertThat(path(container, "livenessProbe.httpGet.path")).isEqualTo("/q/health/live");
    assertThat(path(container, "readinessProbe.httpGet.path")).isEqualTo("/q/health/ready");
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      assertThat(HEALTH_ENDPOINTS).contains((String) path(container, probe + ".httpGet.path"));
      assertThat(containerPort(container, path(container, probe + ".httpGet.port")))
          .as(probe + " port (the management interface)").isEqualTo(managementPort());
    }
  }

  @Test
  void containerPortServiceTargetPortAndImagesAgreeWithTheHttpPort() throws IOException {
    Map<String, Object> container = container();
    assertThat(containerPort(container, "http")).isEqualTo(httpPort());
    assertThat(containerPort(container, "management")).isEqualTo(managementPort());
    // The API Service exposes only the API; health and metrics have a Service of their own.
    Map<String, Object> service = manifest("service.yaml", "Service");
    for (Object port : (List<?>) path(service, "spec.ports")) {
      assertThat(containerPort(container, ((Map<?, ?>) port).get("targetPort"))).isEqualTo(httpPort());
    }
    Map<String, Object> management = manifest("service-management.yaml", "Service");
    for (Object port : (List<?>) path(management, "spec.ports")) {
      assertThat(containerPort(container, ((Map<?, ?>) port).get("targetPort"))).isEqualTo(managementPort());
    }
    assertThat(path(deployment(), "spec.template.metadata.annotations.prometheus\\.io/port"))
        .isEqualTo(String.valueOf(managementPort()));
    for (String dockerfile : List.of("Dockerfile.jvm", "Dockerfile.native", "Dockerfile.native-build")) {
      assertThat(Files.readString(DOCKER.resolve(dockerfile))).as(dockerfile).contains("EXPOSE " + httpPort() + " " + managementPort());
    }
  }

  @Test
  void everyImageEndsTheProcessOnOutOfMemory() throws IOException {
    // A process that survives an OutOfMemoryError with dead event loops answers nothing and is never restarted.
    for (String dockerfile : List.of("Dockerfile.jvm", "Dockerfile.native", "Dockerfile.native-build")) {
      assertThat(Files.readString(DOCKER.resolve(dockerfile))).as(dockerfile).contains("-XX:+ExitOnOutOfMemoryError");
    }
    assertThat(List.of(applicationProperties().getProperty("quarkus.jib.jvm-entrypoint").split(",")))
        .as("the Jib image's entrypoint").contains("-XX:+ExitOnOutOfMemoryError");
  }

  @Test
  void theJibImageIsTheDockerfileJvmImageAndOnlyBuiltWhenAsked() throws IOException {
    Properties properties = applicationProperties();
    // ./mvnw verify (CI) has no Docker daemon and no registry: an image is built only with
    // -Dquarkus.container-image.build=true.
    assertThat(properties.getProperty("quarkus.container-image.build")).isEqualTo("false");
    List<String> dockerfile = Files.readAllLines(DOCKER.resolve("Dockerfile.jvm"));
    assertThat(dockerfile).contains("FROM " + properties.getProperty("quarkus.jib.base-jvm-image"))
        .contains("USER " + properties.getProperty("quarkus.jib.user"));
    assertThat(properties.getProperty("quarkus.jib.ports")).isEqualTo(httpPort() + "," + managementPort());
    // A plain java command line from the working directory: src/test/image/check.sh runs exactly it.
    List<String> entrypoint = List.of(properties.getProperty("quarkus.jib.jvm-entrypoint").split(","));
    assertThat(entrypoint.get(0)).isEqualTo("java");
    assertThat(entrypoint.subList(entrypoint.size() - 2, entrypoint.size())).containsExactly("-jar", "quarkus-run.jar");
    assertThat(properties.getProperty("quarkus.jib.working-directory")).startsWith("/");
  }

  @Test
  void theDeploymentRunsTheImageKustomizeNamesWithADocumentedRegistry() throws IOException {
    // A bare name in the Deployment, made <registry>/<repository>:<tag> by kustomize's images:.
    String image = (String) container().get("image");
    assertThat(image).doesNotContain(":", "/");
    Map<String, Object> kustomization = load(K8S.resolve("kustomization.yaml")).get(0);
    Map<String, Object> entry = ((List<Map<String, Object>>) kustomization.get("images")).stream()
        .filter(i -> image.equals(i.get("name"))).findFirst().orElseThrow(() -> new AssertionError("no images: entry for " + image));
    Properties properties = applicationProperties();
    // The repository Jib builds (quarkus.container-image.group/name) under the placeholder registry.
    assertThat(entry.get("newName")).isEqualTo("registry.example.com/" + properties.getProperty("quarkus.container-image.group")
        + "/" + properties.getProperty("quarkus.container-image.name"));
    assertThat((String) entry.get("newTag")).isNotBlank().isNotEqualTo("latest");
    assertThat(Files.readString(K8S.resolve("kustomization.yaml"))).contains("registry.example.com is a placeholder");
  }

  @Test
  void withThePrometheusOperatorAServiceMonitorScrapesTheManagementServiceInsteadOfTheAnnotations() {
    Path component = K8S.resolve("components/servicemonitor");
    Map<String, Object> kustomization = load(component.resolve("kustomization.yaml")).get(0);
    assertThat(kustomization.get("kind")).isEqualTo("Component");
    assertThat((List<String>) kustomization.get("resources")).containsExactly("servicemonitor.yaml", "prometheusrule.yaml");
    List<Map<String, Object>> monitors = load(component.resolve("servicemonitor.yaml"));
    assertThat(monitors).hasSize(1);
    Map<String, Object> monitor = monitors.get(0);
    assertThat(monitor.get("kind")).isEqualTo("ServiceMonitor");
    assertThat(monitor.get("apiVersion")).isEqualTo("monitoring.coreos.com/v1");

    Map<String, Object> management = manifest("service-management.yaml", "Service");
    assertThat((Map<String, Object>) path(management, "metadata.labels"))
        .containsAllEntriesOf((Map<String, Object>) path(monitor, "spec.selector.matchLabels"));
    Set<String> managementPorts = new TreeSet<>();
    for (Map<String, Object> port : (List<Map<String, Object>>) path(management, "spec.ports")) {
      managementPorts.add((String) port.get("name"));
    }
    Set<String> apiPorts = new TreeSet<>();
    for (Map<String, Object> port : (List<Map<String, Object>>) path(manifest("service.yaml", "Service"), "spec.ports")) {
      apiPorts.add((String) port.get("name"));
    }
    List<Map<String, Object>> endpoints = (List<Map<String, Object>>) path(monitor, "spec.endpoints");
    assertThat(endpoints).isNotEmpty().allSatisfy(endpoint -> {
      // A port only the management Service has: the API Service (same labels) yields no target.
      assertThat(managementPorts).contains((String) endpoint.get("port"));
      assertThat(apiPorts).doesNotContain((String) endpoint.get("port"));
      assertThat(endpoint.get("path")).isEqualTo(path(deployment(), "spec.template.metadata.annotations.prometheus\\.io/path"));
    });
    // No double scrape: the component drops the annotations a plain Prometheus would also follow.
    assertThat(String.valueOf(kustomization.get("patches"))).contains("op: remove", "path: /spec/template/metadata/annotations");
    // The base stays applicable without the CRD; the overlay adds the component to it.
    assertThat((List<String>) path(load(K8S.resolve("kustomization.yaml")).get(0), "resources")).doesNotContain("servicemonitor.yaml");
    Map<String, Object> overlay = load(DOCKER.resolve("overlays/prometheus-operator/kustomization.yaml")).get(0);
    assertThat((List<String>) overlay.get("resources")).containsExactly("../../kubernetes");
    assertThat((List<String>) overlay.get("components")).containsExactly("../../kubernetes/components/servicemonitor");
  }

  @Test
  void kustomizeRendersTheBaseAndThePrometheusOperatorOverlay() throws IOException, InterruptedException {
    Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not installed");
    List<Map<String, Object>> base = kustomize(K8S);
    assertThat(base).extracting(d -> d.get("kind")).doesNotContain("ServiceMonitor").contains("Deployment", "PodDisruptionBudget");
    List<Map<String, Object>> withOperator = kustomize(DOCKER.resolve("overlays/prometheus-operator"));
    assertThat(withOperator).extracting(d -> d.get("kind")).contains("ServiceMonitor", "PrometheusRule");
    assertThat(withOperator).hasSize(base.size() + 2);
    for (List<Map<String, Object>> rendered : List.of(base, withOperator)) {
      Map<String, Object> deployment = rendered.stream().filter(d -> "Deployment".equals(d.get("kind"))).findFirst().orElseThrow();
      Map<String, Object> container = ((List<Map<String, Object>>) path(deployment, "spec.template.spec.containers")).get(0);
      assertThat((String) container.get("image")).startsWith("registry.example.com/");
      if (rendered == withOperator) {
        assertThat(path(deployment, "spec.template.metadata.annotations")).isNull();
      } else {
        assertThat((Map<String, Object>) path(deployment, "spec.template.metadata.annotations")).containsKey("prometheus.io/scrape");
      }
    }
  }

  @Test
  void theComposeHealthcheckNeedsOnlyAShell() {
    Map<String, Object> compose = load(DOCKER.resolve("compose.yml")).get(0);
    List<String> test = (List<String>) path(compose, "services.tally.healthcheck.test");
    // sh is in both runtime images; curl is in neither and the native micro image may lack grep, head, even bash by
    // that name. src/test/image/check.sh runs the command with no PATH at all.
    assertThat(test.subList(0, 3)).containsExactly("CMD", "sh", "-c");
    assertThat(test.get(3)).contains("/dev/tcp/127.0.0.1/" + managementPort(), "/q/health/ready")
        .doesNotContainPattern("\\b(curl|wget|grep|head|bash|nc|cat)\\b");
  }

  @Test
  void everyEnvironmentVariableIsARealConfigurationKey() throws IOException {
    Set<String> valid = new TreeSet<>();
    tallyKeys().keySet().forEach(key -> valid.add(envName(key)));
    QUARKUS_KEYS.forEach(key -> valid.add(envName(key)));

    Map<String, Object> configMap = manifest("configmap.yaml", "ConfigMap");
    Set<String> names = new TreeSet<>(((Map<String, ?>) path(configMap, "data")).keySet());
    for (Map<String, Object> someContainer : List.of(container(), initContainer(), jobContainer())) {
      for (Object env : (List<?>) someContainer.get("env")) {
        names.add((String) ((Map<?, ?>) env).get("name"));
      }
    }
    Map<String, Object> compose = load(DOCKER.resolve("compose.yml")).get(0);
    names.addAll(((Map<String, ?>) path(compose, "services.tally.environment")).keySet());

    assertThat(names).isNotEmpty().allSatisfy(name -> assertThat(valid).as(name + " is not a configuration key").contains(name));
    assertThat(names).contains("TALLY_INGEST_MAX_BODY_BYTES", "QUARKUS_DATASOURCE_REACTIVE_URL",
        "QUARKUS_DATASOURCE_JDBC_URL", "QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD");
  }

  @Test
  void configMapValuesHaveTheTypesTheKeysExpect() {
    Map<String, Class<?>> types = new TreeMap<>();
    tallyKeys().forEach((key, type) -> types.put(envName(key), type));
    Map<String, Object> data = (Map<String, Object>) path(manifest("configmap.yaml", "ConfigMap"), "data");
    data.forEach((name, value) -> {
      assertThat(value).as(name + " must be a quoted string").isInstanceOf(String.class);
      Class<?> type = types.get(name);
      if (type == int.class || type == Integer.class) {
        assertThat((String) value).as(name).matches("\\d+");
      } else if (type == Duration.class) {
        assertThat((String) value).as(name).matches("\\d+(ms|s|m|h|d)|P.*");
      }
    });
  }

  @Test
  void shutdownFinishesBeforeKubernetesKillsThePod() throws IOException {
    Properties properties = applicationProperties();
    Duration shutdown = Duration.parse("PT" + properties.getProperty("quarkus.shutdown.timeout").toUpperCase());
    // With the pre-shutdown delay enabled, readiness is DOWN for the delay before the drain even starts.
    Duration delay = "true".equals(properties.getProperty("quarkus.shutdown.delay-enabled"))
        ? Duration.parse("PT" + properties.getProperty("quarkus.shutdown.delay", "0s").toUpperCase())
        : Duration.ZERO;
    int grace = (Integer) path(deployment(), "spec.template.spec.terminationGracePeriodSeconds");
    assertThat(Duration.ofSeconds(grace)).isGreaterThan(delay.plus(shutdown));
  }

  @Test
  void atLeastTwoReplicasAndEveryObjectSelectsTheDeploymentsPods() {
    Map<String, Object> deployment = deployment();
    Map<String, Object> podLabels = (Map<String, Object>) path(deployment, "spec.template.metadata.labels");
    assertThat((Integer) path(deployment, "spec.replicas")).isGreaterThanOrEqualTo(2);
    assertThat(podLabels).containsAllEntriesOf((Map<String, Object>) path(deployment, "spec.selector.matchLabels"));

    for (String file : List.of("service.yaml", "service-management.yaml")) {
      Map<String, Object> service = manifest(file, "Service");
      assertThat(podLabels).as(file).containsAllEntriesOf((Map<String, Object>) path(service, "spec.selector"));
    }

    Map<String, Object> pdb = manifest("pdb.yaml", "PodDisruptionBudget");
    assertThat(podLabels).containsAllEntriesOf((Map<String, Object>) path(pdb, "spec.selector.matchLabels"));
    // One pod at a time whatever the replica count: minAvailable: 1 would let a drain evict 5 of 6 pods at once.
    assertThat(path(pdb, "spec.maxUnavailable")).isEqualTo(1);
    assertThat(path(pdb, "spec.minAvailable")).isNull();

    Map<String, Object> hpa = manifest("hpa.yaml", "HorizontalPodAutoscaler");
    assertThat(path(hpa, "spec.scaleTargetRef.kind")).isEqualTo("Deployment");
    assertThat(path(hpa, "spec.scaleTargetRef.name")).isEqualTo(path(deployment, "metadata.name"));
    assertThat((Integer) path(hpa, "spec.minReplicas")).isGreaterThanOrEqualTo(2)
        .isLessThanOrEqualTo((Integer) path(hpa, "spec.maxReplicas"));
  }

  @Test
  void theNetworkPolicyOpensTheApiPortAndKeepsTheManagementPortInside() {
    Map<String, Object> policy = manifest("networkpolicy.yaml", "NetworkPolicy");
    Map<String, Object> podLabels = (Map<String, Object>) path(deployment(), "spec.template.metadata.labels");
    assertThat(podLabels).containsAllEntriesOf((Map<String, Object>) path(policy, "spec.podSelector.matchLabels"));
    assertThat((List<String>) path(policy, "spec.policyTypes")).containsExactly("Ingress");
    Set<String> containerPorts = new TreeSet<>();
    for (Map<String, Object> port : (List<Map<String, Object>>) container().get("ports")) {
      containerPorts.add((String) port.get("name"));
    }
    Map<String, List<Object>> sourcesByPort = new TreeMap<>();
    for (Map<String, Object> rule : (List<Map<String, Object>>) path(policy, "spec.ingress")) {
      for (Map<String, Object> port : (List<Map<String, Object>>) rule.get("ports")) {
        // Named ports, so the policy follows the container's ports wherever they are moved.
        assertThat(containerPorts).contains((String) port.get("port"));
        sourcesByPort.put((String) port.get("port"), (List<Object>) rule.get("from"));
      }
    }
    assertThat(sourcesByPort).containsOnlyKeys("http", "management");
    assertThat(sourcesByPort.get("http")).as("the API port is open to every source").isNull();
    // The management port needs no key: only this namespace's pods and named namespaces, never an IP block or
    // every namespace.
    assertThat(sourcesByPort.get("management")).isNotEmpty().allSatisfy(from -> {
      Map<String, Object> source = (Map<String, Object>) from;
      assertThat(source.keySet()).hasSize(1).isSubsetOf("podSelector", "namespaceSelector");
      if (source.containsKey("namespaceSelector")) {
        assertThat((Map<String, Object>) path(source, "namespaceSelector.matchLabels")).containsKey("kubernetes.io/metadata.name");
      }
    });
  }

  @Test
  void podRunsUnprivilegedOnAReadOnlyRootFilesystem() {
    Map<String, Object> spec = (Map<String, Object>) path(deployment(), "spec.template.spec");
    Map<String, Object> container = container();
    assertThat(path(spec, "securityContext.runAsNonRoot")).isEqualTo(true);
    assertThat(path(spec, "securityContext.seccompProfile.type")).isEqualTo("RuntimeDefault");
    assertThat(path(container, "securityContext.allowPrivilegeEscalation")).isEqualTo(false);
    assertThat(path(container, "securityContext.readOnlyRootFilesystem")).isEqualTo(true);
    assertThat((List<String>) path(container, "securityContext.capabilities.drop")).containsExactly("ALL");

    String tmpVolume = ((List<Map<String, Object>>) container.get("volumeMounts")).stream()
        .filter(mount -> "/tmp".equals(mount.get("mountPath"))).map(mount -> (String) mount.get("name"))
        .findFirst().orElseThrow(() -> new AssertionError("/tmp must be a writable volume"));
    assertThat(((List<Map<String, Object>>) spec.get("volumes")).stream()
        .filter(volume -> tmpVolume.equals(volume.get("name"))).findFirst().orElseThrow())
        .containsKey("emptyDir");

    for (String bound : List.of("requests.cpu", "requests.memory", "limits.memory")) {
      assertThat(path(container, "resources." + bound)).as(bound).isNotNull();
    }
  }

  @Test
  void credentialsComeFromTheSecretsTheTemplatesDescribeAndNoRealOneIsCommitted() {
    Map<String, Map<String, Object>> secrets = new TreeMap<>();
    for (String template : List.of("secret.template.yaml", "secret-api.template.yaml", "secret-migrator.template.yaml")) {
      Map<String, Object> secret = manifest(template, "Secret");
      Map<String, Object> values = (Map<String, Object>) path(secret, "stringData");
      assertThat(values.values()).as(template).allMatch("REPLACE_ME"::equals);
      secrets.put((String) path(secret, "metadata.name"), values);
    }
    List<Object> envs = new ArrayList<>();
    for (Map<String, Object> someContainer : List.of(container(), initContainer(), jobContainer())) {
      envs.addAll((List<?>) someContainer.get("env"));
    }
    for (Object env : envs) {
      Map<String, Object> ref = (Map<String, Object>) path((Map<String, Object>) env, "valueFrom.secretKeyRef");
      if (ref != null) {
        // Required: a pod without its Secret does not start, rather than run without credentials or admin key.
        assertThat(ref.get("optional")).as("optional on " + ((Map<?, ?>) env).get("name")).isIn(null, false);
        assertThat(secrets).containsKey((String) ref.get("name"));
        assertThat(secrets.get((String) ref.get("name"))).containsKey((String) ref.get("key"));
      }
    }
    assertThat((List<String>) path(load(K8S.resolve("kustomization.yaml")).get(0), "resources"))
        .doesNotContain("secret.template.yaml", "secret-api.template.yaml")
        .containsExactlyInAnyOrder("configmap.yaml", "deployment.yaml", "service.yaml", "service-management.yaml", "networkpolicy.yaml", "hpa.yaml",
            "pdb.yaml", "migration-job.yaml");
  }

  @Test
  void imagesRunAsANumericNonRootUser() throws IOException {
    for (String dockerfile : List.of("Dockerfile.jvm", "Dockerfile.native", "Dockerfile.native-build")) {
      List<String> lines = Files.readAllLines(DOCKER.resolve(dockerfile));
      int lastFrom = 0;
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).startsWith("FROM ")) {
          lastFrom = i;
        }
      }
      // The final stage is the image that ships; runAsNonRoot needs a numeric UID to verify.
      List<String> users = lines.subList(lastFrom, lines.size()).stream()
          .filter(line -> line.startsWith("USER ")).map(line -> line.substring(5).trim()).toList();
      assertThat(users).as(dockerfile).isNotEmpty();
      assertThat(users.get(users.size() - 1)).as(dockerfile).matches("[1-9]\\d*");
    }
  }

  @Test
  void dockerignoreIsAWhitelistThatLetsThroughWhatTheDockerfilesCopy() throws IOException {
    List<String> entries = Files.readAllLines(Path.of(".dockerignore")).stream()
        .map(String::trim).filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
    assertThat(entries.get(0)).isEqualTo("*");
    List<String> allowed = entries.stream().skip(1)
        .peek(entry -> assertThat(entry).as("after *, only exceptions").startsWith("!"))
        .map(entry -> entry.substring(1).replaceAll("/$", "")).toList();

    Pattern copy = Pattern.compile("^COPY\\s+(?:--(?!from)\\S+\\s+)*(?!--from)(.+)\\s+\\S+$");
    for (String dockerfile : List.of("Dockerfile.jvm", "Dockerfile.native", "Dockerfile.native-build")) {
      for (String line : Files.readAllLines(DOCKER.resolve(dockerfile))) {
        Matcher m = copy.matcher(line);
        if (!line.contains("--from=") && m.matches()) {
          for (String source : m.group(1).trim().split("\\s+")) {
            String wanted = source.replaceAll("/$", "");
            assertThat(allowed).as(dockerfile + " copies " + source)
                .anyMatch(entry -> wanted.equals(entry) || wanted.startsWith(entry + "/")
                    || FileSystems.getDefault().getPathMatcher("glob:" + entry).matches(Path.of(wanted))
                    || FileSystems.getDefault().getPathMatcher("glob:" + wanted).matches(Path.of(entry))
                    || entry.startsWith(wanted + "/"));
          }
        }
      }
    }
  }

  @Test
  void theMigrationJobMigratesAsTheSchemaOwnerAndThePodsNeverMigrate() throws IOException {
    // Development, tests and compose migrate at start; Kubernetes overrides it for the pods only.
    assertThat(applicationProperties().getProperty("quarkus.flyway.migrate-at-start")).isEqualTo("true");
    Map<String, Object> job = manifest("migration-job.yaml", "Job");
    Map<String, Object> migrate = jobContainer();
    assertThat(env(migrate, "QUARKUS_INIT_AND_EXIT")).isEqualTo("true");
    assertThat(env(migrate, "QUARKUS_FLYWAY_MIGRATE_AT_START")).isEqualTo("true");
    assertThat(secretOf(migrate, "QUARKUS_DATASOURCE_USERNAME")).isEqualTo("tally-db-migrator");
    assertThat(secretOf(migrate, "QUARKUS_DATASOURCE_PASSWORD")).isEqualTo("tally-db-migrator");
    assertThat(path(job, "spec.template.spec.restartPolicy")).isEqualTo("Never");
    assertThat((Integer) path(job, "spec.backoffLimit")).isPositive();

    Map<String, Object> tally = container();
    assertThat(env(tally, "QUARKUS_FLYWAY_MIGRATE_AT_START")).isEqualTo("false");
    assertThat(secretOf(tally, "QUARKUS_DATASOURCE_USERNAME")).isEqualTo("tally-db");
    // The pods wait for the Job: Flyway validate, as the runtime role, until this image's migrations are applied.
    Map<String, Object> await = initContainer();
    assertThat(env(await, "QUARKUS_INIT_AND_EXIT")).isEqualTo("true");
    assertThat(env(await, "QUARKUS_FLYWAY_MIGRATE_AT_START")).isEqualTo("false");
    assertThat(env(await, "QUARKUS_FLYWAY_VALIDATE_AT_START")).isEqualTo("true");
    assertThat(secretOf(await, "QUARKUS_DATASOURCE_USERNAME")).isEqualTo("tally-db");
    assertThat(secretOf(await, "QUARKUS_DATASOURCE_PASSWORD")).isEqualTo("tally-db");

    // One image, one database, for all three.
    for (Map<String, Object> other : List.of(migrate, await)) {
      assertThat(other.get("image")).isEqualTo(tally.get("image"));
      for (String url : List.of("QUARKUS_DATASOURCE_REACTIVE_URL", "QUARKUS_DATASOURCE_JDBC_URL")) {
        assertThat(env(other, url)).as(url).isNotNull().isEqualTo(env(tally, url));
      }
      assertThat(path(other, "securityContext")).isEqualTo(path(tally, "securityContext"));
      assertThat(path(other, "resources")).isEqualTo(path(tally, "resources"));
    }
    assertThat(path(job, "spec.template.spec.securityContext")).isEqualTo(path(deployment(), "spec.template.spec.securityContext"));
  }

  @Test
  void theScriptsRunTheCommandLinesOfTheJobAndTheInitContainer() throws IOException {
    // src/test/roles/check.sh and src/test/upgrade/check.sh run the Job and the init container against PostgreSQL
    // with these environments (src/test/lib/tally.sh's init_and_exit).
    String lib = Files.readString(Path.of("src/test/lib/tally.sh"));
    assertThat(lib).contains("QUARKUS_INIT_AND_EXIT=true QUARKUS_SHUTDOWN_DELAY=0s");
    assertThat(env(jobContainer(), "QUARKUS_SHUTDOWN_DELAY")).isEqualTo("0s");
    assertThat(env(initContainer(), "QUARKUS_SHUTDOWN_DELAY")).isEqualTo("0s");
    assertThat(words(lib, "MIGRATE")).isEqualTo(settings(jobContainer(), "QUARKUS_FLYWAY_"));
    assertThat(words(lib, "AWAIT_MIGRATIONS")).isEqualTo(settings(initContainer(), "QUARKUS_FLYWAY_"));
    assertThat(Files.readString(Path.of("src/test/roles/check.sh"))).contains("QUARKUS_FLYWAY_MIGRATE_AT_START=false \\\n");
  }

  /** The words of a bash array assignment NAME=(...) in script, quotes removed. */
  private static List<String> words(String script, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + "=\\(([^)]*)\\)").matcher(script);
    assertThat(m.find()).as(name + "=(...) in the script").isTrue();
    return Arrays.stream(m.group(1).trim().split("\\s+")).map(word -> word.replace("'", "")).toList();
  }

  /** The container's literal environment variables starting with prefix, as NAME=value words in file order. */
  private static List<String> settings(Map<String, Object> container, String prefix) {
    List<String> words = new ArrayList<>();
    for (Map<String, Object> env : (List<Map<String, Object>>) container.get("env")) {
      String name = (String) env.get("name");
      if (name.startsWith(prefix) && env.containsKey("value")) {
        words.add(name + "=" + env.get("value"));
      }
    }
    return words;
  }

  private static Object env(Map<String, Object> container, String name) {
    return ((List<Map<String, Object>>) container.get("env")).stream().filter(e -> name.equals(e.get("name")))
        .map(e -> e.get("value")).findFirst().orElse(null);
  }

  private static Object secretOf(Map<String, Object> container, String name) {
    return ((List<Map<String, Object>>) container.get("env")).stream().filter(e -> name.equals(e.get("name")))
        .map(e -> path(e, "valueFrom.secretKeyRef.name")).findFirst().orElse(null);
  }

  // ---- the configuration keys Tally really has

  /** tally.* keys derived from TallyConfig (camelCase methods become kebab-case), with their Java types. */
  static Map<String, Class<?>> tallyKeys() {
    Map<String, Class<?>> keys = new TreeMap<>();
    collect("tally", TallyConfig.class, keys);
    assertThat(keys).containsKey("tally.ingest.max-body-bytes");
    return keys;
  }

  private static void collect(String prefix, Class<?> type, Map<String, Class<?>> keys) {
    for (Method method : type.getDeclaredMethods()) {
      if (Modifier.isStatic(method.getModifiers()) || method.isDefault() || method.getParameterCount() > 0) {
        continue;
      }
      WithName withName = method.getAnnotation(WithName.class);
      String key = prefix + "." + (withName != null ? withName.value() : kebab(method.getName()));
      Class<?> result = method.getReturnType();
      if (result.isInterface() && result.getName().startsWith("dev.tally.")) {
        collect(key, result, keys);
      } else {
        keys.put(key, result);
      }
    }
  }

  static String kebab(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
  }

  /** The environment variable SmallRye Config maps to a key: alphanumerics upper-cased, the rest '_'. */
  static String envName(String key) {
    return key.toUpperCase().replaceAll("[^A-Z0-9]", "_");
  }

  // ---- reading the files

  static boolean onPath(String command) {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
  }

  /** The documents `kubectl kustomize DIR` renders; fails when it does not render. */
  private static List<Map<String, Object>> kustomize(Path dir) throws IOException, InterruptedException {
    Process process = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(process.waitFor()).as("kubectl kustomize " + dir + ":\n" + output).isZero();
    List<Map<String, Object>> documents = new ArrayList<>();
    for (Object document : new Yaml().loadAll(output)) {
      documents.add((Map<String, Object>) document);
    }
    return documents;
  }

  private static int httpPort() {
    try {
      return Integer.parseInt(applicationProperties().getProperty("quarkus.http.port", String.valueOf(QUARKUS_DEFAULT_HTTP_PORT)));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int managementPort() {
    try {
      return Integer.parseInt(applicationProperties().getProperty("quarkus.management.port", String.valueOf(QUARKUS_DEFAULT_MANAGEMENT_PORT)));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Properties applicationProperties() throws IOException {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(Path.of("src/main/resources/application.properties"))) {
      properties.load(reader);
    }
    return properties;
  }

  private static Map<String, Object> deployment() {
    return manifest("deployment.yaml", "Deployment");
  }

  private static Map<String, Object> container() {
    List<Map<String, Object>> containers = (List<Map<String, Object>>) path(deployment(), "spec.template.spec.containers");
    assertThat(containers).hasSize(1);
    return containers.get(0);
  }

  private static Map<String, Object> initContainer() {
    List<Map<String, Object>> containers = (List<Map<String, Object>>) path(deployment(), "spec.template.spec.initContainers");
    assertThat(containers).hasSize(1);
    return containers.get(0);
  }

  private static Map<String, Object> jobContainer() {
    List<Map<String, Object>> containers = (List<Map<String, Object>>) path(manifest("migration-job.yaml", "Job"),
        "spec.template.spec.containers");
    assertThat(containers).hasSize(1);
    return containers.get(0);
  }

  /** Resolves a probe's or Service's port (a number or a container port name) to the container port. */
  private static int containerPort(Map<String, Object> container, Object port) {
    if (port instanceof Integer number) {
      return number;
    }
    return ((List<Map<String, Object>>) container.get("ports")).stream()
        .filter(p -> port.equals(p.get("name"))).map(p -> (Integer) p.get("containerPort"))
        .findFirst().orElseThrow(() -> new AssertionError("no container port named " + port));
  }

  private static Map<String, Object> manifest(String file, String kind) {
    List<Map<String, Object>> documents = load(K8S.resolve(file));
    assertThat(documents).as(file).hasSize(1);
    assertThat(documents.get(0).get("kind")).as(file).isEqualTo(kind);
    return documents.get(0);
  }

  private static List<Map<String, Object>> load(Path file) {
    try (Reader reader = Files.newBufferedReader(file)) {
      List<Map<String, Object>> documents = new ArrayList<>();
      for (Object document : new Yaml().loadAll(reader)) {
        documents.add((Map<String, Object>) document);
      }
      return documents;
    } catch (IOException e) {
      throw new IllegalStateException(file.toString(), e);
    }
  }

  /** Walks a dotted path through nested maps; a literal dot in a key is written "\.". Null when absent. */
  private static Object path(Map<String, Object> root, String dotted) {
    Object node = root;
    for (String part : dotted.split("(?<!\\\\)\\.")) {
      if (!(node instanceof Map<?, ?> map)) {
        return null;
      }
      node = map.get(part.replace("\\.", "."));
    }
    return node;
  }
}
