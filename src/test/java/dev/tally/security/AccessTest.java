package dev.tally.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The route table of {@link Access}, without HTTP: one row per role, method and path. */
class AccessTest {

  private static final Caller INGEST = new Caller("key_ingest", Role.INGEST, List.of("shop"));
  private static final Caller READ = new Caller("key_read", Role.READ, List.of("shop"));
  private static final Caller ADMIN = new Caller("key_admin", Role.ADMIN, null);

  @ParameterizedTest(name = "{0} {1} {2} -> {3}")
  @CsvSource(delimiter = '|', textBlock = """
      INGEST | GET    | /mapping-presets             | allowed
      INGEST | GET    | /mapping-presets/            | allowed
      INGEST | GET    | /mapping-presets/segment     | allowed
      INGEST | HEAD   | /mapping-presets/posthog     | allowed
      INGEST | GET    | /mapping-presets/unknown     | allowed
      INGEST | POST   | /mapping-presets             | denied
      INGEST | PUT    | /mapping-presets/segment     | denied
      INGEST | DELETE | /mapping-presets/segment     | denied
      INGEST | GET    | /mapping-presets/segment/x   | denied
      INGEST | GET    | /mapping-presets/..          | denied
      INGEST | GET    | /mapping-presetsx            | denied
      INGEST | POST   | /events                      | allowed
      INGEST | POST   | /v1/batch                    | allowed
      INGEST | POST   | /v1/track                    | allowed
      INGEST | POST   | /batch/                      | allowed
      INGEST | POST   | /e                           | allowed
      INGEST | GET    | /v1/batch                    | denied
      INGEST | POST   | /v1/other                    | denied
      READ   | POST   | /v1/batch                    | denied
      READ   | POST   | /batch                       | denied
      INGEST | GET    | /aggregates                  | denied
      INGEST | PUT    | /clients/shop/mapping        | denied
      READ   | GET    | /mapping-presets             | allowed
      READ   | GET    | /mapping-presets/rudderstack | allowed
      READ   | POST   | /mapping-presets             | denied
      READ   | GET    | /aggregates                  | allowed
      READ   | GET    | /clients/shop/mapping        | denied
      READ   | GET    | /keys                        | denied
      ADMIN  | GET    | /mapping-presets             | allowed
      ADMIN  | POST   | /mapping-presets             | allowed
      ADMIN  | PUT    | /clients/shop/mapping        | allowed
      """)
  void eachRoleReachesOnlyItsRoutes(String role, String method, String path, String expected) {
    Caller caller = switch (role) {
      case "INGEST" -> INGEST;
      case "READ" -> READ;
      default -> ADMIN;
    };

    String denied = Access.deny(caller, method, path, List.of());

    if (expected.equals("allowed")) {
      assertThat(denied).isNull();
    } else {
      assertThat(denied).isNotBlank();
    }
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource(delimiter = '|', textBlock = """
      POST | /v1/batch     | true
      POST | /v1/identify  | true
      POST | /batch/       | true
      POST | /capture/     | true
      POST | /e/           | true
      GET  | /batch        | false
      POST | /events       | false
      POST | /v1/batch/x   | false
      POST | /keys         | false
      """)
  void onlyTheSdkRoutesMayCarryTheirKeyInTheBody(String method, String path, boolean mayCarry) {
    assertThat(Access.mayCarryKeyInBody(method, path)).isEqualTo(mayCarry);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"/mapping-presets", "/mapping-presets/segment"})
  void thePresetsNeedNoClientScope(String path) {
    Caller readsOtherClients = new Caller("key_other", Role.READ, List.of("other"));

    assertThat(Access.deny(readsOtherClients, "GET", path, List.of("shop"))).isNull();
  }
}
