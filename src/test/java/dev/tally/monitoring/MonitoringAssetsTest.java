package dev.tally.monitoring;

import static dev.tally.support.Events.event;
import static dev.tally.support.Events.newClientId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.support.AdminKey;
import dev.tally.support.ManagementPort;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.yaml.snakeyaml.Yaml;

/**
 * The Grafana dashboard and the alert rules in the repository fit the Tally they monitor: both parse, every metric
 * their PromQL names is served by a running Tally's /q/metrics (after the traffic that makes labelled series
 * appear), every Tally metric has HELP text, latencies are histograms, and the per-connection gauges that misled
 * are gone.
 */
@QuarkusTest
@ExtendWith(AdminKey.class)
class MonitoringAssetsTest {

  static final Path DASHBOARD = Path.of("docker/monitoring/grafana-dashboard.json");
  static final Path RULES = Path.of("docker/kubernetes/components/servicemonitor/prometheusrule.yaml");

  /** PromQL words that are not metric names: functions, aggregations, operators, modifiers. */
  private static final Set<String> PROMQL_WORDS = Set.of("sum", "min", "max", "avg", "count", "rate", "irate",
      "increase", "histogram_quantile", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and",
      "or", "unless", "offset", "abs", "clamp_min", "clamp_max", "topk", "bottomk", "delta", "deriv", "time", "vector",
      "scalar", "absent", "label_replace");

  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

  @TestHTTPResource(value = "/", management = true)
  URL management;

  @BeforeEach
  void traffic() {
    String client = newClientId("monitoring");
    given().contentType(ContentType.JSON).body(event(client, "m", "1", "2024-01-01T00:00:00Z")).post("/events").then().statusCode(201);
    given().contentType(ContentType.JSON).body("{\"clientId\":\"" + client + "\",\"metric\":\"m\"}").post("/events").then().statusCode(422);
    given().header(AdminKey.ANONYMOUS, "yes").get("/aggregates").then().statusCode(401);
    // A body over tally.ingest.max-body-bytes (1 MiB), so the refused-bodies counter exists.
    given().contentType(ContentType.JSON).body("[" + " ".repeat(1_100_000) + "]").post("/events").then().statusCode(413);
    given().post("/aggregates/refresh").then().statusCode(200);
    given().get("/aggregates?clientId=" + client).then().statusCode(200);
  }

  @Test
  void everyMetricTheDashboardAndTheAlertsNameIsServed() throws IOException {
    Set<String> served = servedSeries();
    Map<String, String> expressions = new java.util.LinkedHashMap<>();
    dashboardTargets().forEach(t -> expressions.put("dashboard panel \"" + t[0] + "\"", t[1]));
    for (Map<String, Object> rule : rules()) {
      expressions.put("alert " + rule.get("alert"), (String) rule.get("expr"));
    }
    assertThat(expressions).hasSizeGreaterThan(20);
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, String> e : expressions.entrySet()) {
      Set<String> names = metricNames(e.getValue());
      assertThat(names).as(e.getKey() + " names no metric: " + e.getValue()).isNotEmpty();
      for (String name : names) {
        if (!served.contains(name)) {
          missing.add(e.getKey() + ": " + name);
        }
      }
    }
    assertThat(missing).as("metrics named but not in /q/metrics").isEmpty();
  }

  @Test
  void theMetricNameExtractionSeesThroughLabelsRangesAndGrouping() {
    assertThat(metricNames("histogram_quantile(0.99, sum by (le, uri) (rate(http_server_requests_seconds_bucket{job=\"$job\",uri!~\"/q/.*\"}[5m])))"))
        .containsExactly("http_server_requests_seconds_bucket");
    assertThat(metricNames("sum(rate(a_total{status=~\"5..\"}[5m])) / sum(rate(b_total[5m])) > 0.05 or max(c) > 0"))
        .containsExactlyInAnyOrder("a_total", "b_total", "c");
  }

  @Test
  void everyTallyMetricHasHelpTextAndLatenciesAreHistograms() {
    String metrics = scrape();
    Matcher help = Pattern.compile("(?m)^# HELP (tally_\\S+) ?(.*)$").matcher(metrics);
    int seen = 0;
    while (help.find()) {
      seen++;
      assertThat(help.group(2).strip()).as("HELP of " + help.group(1)).isNotEmpty();
    }
    assertThat(seen).isGreaterThan(20);
    assertThat(metrics)
        .contains("http_server_requests_seconds_bucket{")
        .contains("postgresql_processing_seconds_bucket{")
        .contains("tally_aggregates_refresh_seconds_bucket{")
        .contains("tally_ingest_group_wait_seconds_bucket{")
        .contains("tally_ingest_rejections_total{code=\"missing_field\"}")
        .contains("tally_recovery_runs_total{outcome=\"failed\"}")
        .contains("tally_raw_pending_rows ")
        .contains("tally_replays_remaining_rows ");
    // Registered once per physical connection by the Vert.x SQL client, so the value was one arbitrary
    // connection's (and Micrometer warned at startup); the pool's sql_pool_* gauges describe all connections.
    assertThat(metrics).doesNotContain("postgresql_queue_size").doesNotContain("postgresql_current");
    // The LISTEN connection is named, not an anonymous "m__" family.
    assertThat(metrics).doesNotContainPattern("(?m)^m__").contains("clientName=\"listen\"");
  }

  @Test
  void theDashboardIsWellFormed() throws IOException {
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    assertThat(dashboard.path("uid").asText()).isEqualTo("tally-overview");
    Set<String> variables = new HashSet<>();
    dashboard.path("templating").path("list").forEach(v -> variables.add(v.path("name").asText()));
    assertThat(variables).contains("datasource", "job", "infinity", "tally_url");
    Set<Integer> ids = new HashSet<>();
    for (JsonNode panel : dashboard.path("panels")) {
      assertThat(ids.add(panel.path("id").asInt())).as("panel ids are unique").isTrue();
      assertThat(panel.path("title").asText()).isNotBlank();
      if (panel.path("type").asText().equals("row")) {
        continue;
      }
      String uid = panel.path("datasource").path("uid").asText();
      assertThat(uid).matches("\\$\\{(datasource|infinity)}");
      for (JsonNode target : panel.path("targets")) {
        if (uid.equals("${infinity}")) {
          // Tally's API: a real route, parameters GET /aggregates declares.
          assertThat(target.path("url").asText()).isEqualTo("${tally_url}/aggregates");
          for (JsonNode param : target.path("url_options").path("params")) {
            assertThat(param.path("key").asText()).isIn("clientId", "metric", "granularity", "from", "to", "tz", "limit");
          }
        } else {
          assertThat(target.path("expr").asText()).contains("job=\"$job\"");
        }
      }
    }
  }

  @Test
  void everyAlertIsComplete() throws IOException {
    String monitoring = Files.readString(Path.of("docs/monitoring.md"));
    List<Map<String, Object>> rules = rules();
    assertThat(rules).hasSizeGreaterThanOrEqualTo(6);
    for (Map<String, Object> rule : rules) {
      String alert = (String) rule.get("alert");
      assertThat(alert).startsWith("Tally");
      assertThat((Map<String, Object>) rule.get("labels")).containsKey("severity");
      assertThat((Map<String, Object>) rule.get("annotations")).containsKeys("summary", "description");
      assertThat(monitoring).as("docs/monitoring.md explains " + alert).contains("`" + alert + "`");
    }
  }

  static Set<String> metricNames(String expr) {
    String s = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
        .replaceAll("\\{[^}]*}", " ")
        .replaceAll("\\[[^\\]]*]", " ")
        .replaceAll("\\b(by|without|on|ignoring)\\s*\\([^)]*\\)", " ");
    Set<String> names = new TreeSet<>();
    Matcher m = IDENTIFIER.matcher(s);
    while (m.find()) {
      boolean partOfNumber = m.start() > 0 && Character.isDigit(s.charAt(m.start() - 1));
      if (!partOfNumber && !PROMQL_WORDS.contains(m.group())) {
        names.add(m.group());
      }
    }
    return names;
  }

  private List<String[]> dashboardTargets() throws IOException {
    List<String[]> targets = new ArrayList<>();
    for (JsonNode panel : new ObjectMapper().readTree(DASHBOARD.toFile()).path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        if (target.has("expr")) {
          targets.add(new String[] {panel.path("title").asText(), target.path("expr").asText()});
        }
      }
    }
    return targets;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> rules() throws IOException {
    Map<String, Object> rule = new Yaml().load(Files.readString(RULES));
    assertThat(rule.get("kind")).isEqualTo("PrometheusRule");
    List<Map<String, Object>> all = new ArrayList<>();
    for (Map<String, Object> group : (List<Map<String, Object>>) ((Map<String, Object>) rule.get("spec")).get("groups")) {
      all.addAll((List<Map<String, Object>>) group.get("rules"));
    }
    return all;
  }

  private Set<String> servedSeries() {
    Set<String> names = new HashSet<>();
    for (String line : scrape().split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        Matcher m = IDENTIFIER.matcher(line);
        if (m.lookingAt()) {
          names.add(m.group());
        }
      }
    }
    return names;
  }

  private String scrape() {
    return given().port(ManagementPort.of(management)).get("/q/metrics").then().statusCode(200).extract().asString();
  }
}
