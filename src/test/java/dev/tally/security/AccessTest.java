package dev.tally.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Who may call what, without HTTP: every endpoint's declared rule against the table below, and what a rule decides
 * for each kind of caller. An endpoint without a rule, with two, or with other roles than the table's fails here.
 */
class AccessTest {

  /** Every JAX-RS endpoint of Tally -> the roles that may call it, and whether the key may come in the body. */
  private static final String EXPECTED = """
      DELETE /keys/{id}                                   -> admin
      GET    /aggregates                                  -> read admin
      GET    /aggregates/rebuilds/{id}                    -> admin
      GET    /array/{key}/config                          -> ingest, key in body
      GET    /array/{key}/config.js                       -> ingest, key in body
      GET    /clients/{clientId}/mapping                  -> admin
      GET    /clients/{clientId}/mapping/versions         -> admin
      GET    /events/{fingerprint}                        -> read admin
      GET    /i                                           -> ingest, key in body
      GET    /k/{key}/i                                   -> ingest, key in body
      GET    /keys                                        -> admin
      GET    /mapping-presets                             -> ingest read admin
      GET    /mapping-presets/{name}                      -> ingest read admin
      GET    /outcomes                                    -> read admin
      GET    /raw-events                                  -> read admin
      GET    /raw-events/{id}                             -> read admin
      GET    /replays                                     -> admin
      GET    /replays/{id}                                -> admin
      GET    /session                                     -> read admin
      GET    /sourceConfig                                -> ingest, key in body
      GET    /v1/projects/{writeKey}/settings             -> ingest, key in body
      POST   /aggregates/rebuild                          -> admin
      POST   /aggregates/refresh                          -> admin
      POST   /batch                                       -> ingest, key in body
      POST   /beacon/v1/batch                             -> ingest, key in body
      POST   /com.snowplowanalytics.snowplow/tp2          -> ingest, key in body
      POST   /events                                      -> ingest admin
      POST   /k/{key}/com.snowplowanalytics.snowplow/tp2  -> ingest, key in body
      POST   /keys                                        -> admin
      POST   /replays                                     -> admin
      POST   /replays/{id}/cancel                         -> admin
      POST   /v1/{call: identify|page|screen|group|alias|i|p|s|g|a} -> ingest, key in body
      POST   /v1/{route: batch|import|b}                  -> ingest, key in body
      POST   /v1/{track: track|t}                         -> ingest, key in body
      POST   /{route: capture|e|i/v0/e}                   -> ingest, key in body
      POST   /{route: flags|decide}                       -> ingest, key in body
      PUT    /clients/{clientId}/mapping                  -> admin
      """;

  private static final Caller INGEST = new Caller("key_ingest", Role.INGEST, List.of("shop"));
  private static final Caller READ = new Caller("key_read", Role.READ, List.of("shop"));
  private static final Caller READ_ALL = new Caller("key_read_all", Role.READ, null);
  private static final Caller ADMIN = new Caller("key_admin", Role.ADMIN, null);

  @Test
  void everyEndpointDeclaresExactlyTheAccessOfTheTable() {
    Map<String, String> declared = new TreeMap<>();
    List<String> declaredTwice = new ArrayList<>();
    for (Method method : endpoints()) {
      String endpoint = httpMethod(method) + " " + path(method);
      if (method.isAnnotationPresent(Allowed.class) && method.getDeclaringClass().isAnnotationPresent(Allowed.class)) {
        declaredTwice.add(endpoint);
      }
      Optional<Access> access = Access.declaredOn(method);
      declared.put(endpoint, access.map(AccessTest::describe).orElse("(none: closed to every key)"));
    }

    assertThat(declaredTwice).as("declared on the method and on its class: say it once").isEmpty();
    assertThat(declared).isEqualTo(expected());
  }

  @Test
  void aMethodsOwnDeclarationWinsOverItsClassAndNoneAtAllClosesIt() throws NoSuchMethodException {
    assertThat(Access.declaredOn(Declared.class.getDeclaredMethod("inherits")))
        .contains(new Access(EnumSet.of(Role.READ, Role.ADMIN), true));
    assertThat(Access.declaredOn(Declared.class.getDeclaredMethod("own"))).contains(new Access(EnumSet.of(Role.ADMIN), true));
    assertThat(Access.declaredOn(Undeclared.class.getDeclaredMethod("forgotten"))).isEmpty();
  }

  @Allowed({Role.READ, Role.ADMIN, Role.READ})
  @KeyMayBeInBody
  static class Declared {
    void inherits() {}

    @Allowed(Role.ADMIN)
    void own() {}
  }

  static class Undeclared {
    void forgotten() {}
  }

  @ParameterizedTest(name = "{0} on a route for [{1}] -> {2}")
  @CsvSource(delimiter = '|', textBlock = """
      INGEST   | ingest admin      | allowed
      READ     | ingest admin      | a read key may not use this route: it is for ingest and admin keys
      ADMIN    | ingest admin      | allowed
      INGEST   | read admin        | an ingest key may not use this route: it is for read and admin keys
      READ     | read admin        | allowed
      READ_ALL | read admin        | allowed
      ADMIN    | read admin        | allowed
      INGEST   | admin             | an ingest key may not use this route: it is for admin keys
      READ     | admin             | a read key may not use this route: it is for admin keys
      ADMIN    | admin             | allowed
      INGEST   | ingest read admin | allowed
      READ     | ingest read admin | allowed
      ADMIN    | ingest            | an admin key may not use this route: it is for ingest keys
      ADMIN    | ''                | an admin key may not use this route
      """)
  void aRouteAdmitsOnlyTheRolesItNames(String caller, String roles, String expected) {
    Access access = new Access(roles(roles), false);

    String denied = access.deny(caller(caller), List.of());

    assertThat(denied).isEqualTo(expected.equals("allowed") ? null : expected);
  }

  @ParameterizedTest(name = "{0} asking for clientId={1} -> {2}")
  @CsvSource(delimiter = '|', textBlock = """
      READ     | shop        | allowed
      READ     | other       | this key may not read client other
      READ     | shop,other  | this key may not read client other
      READ     | ''          | allowed
      READ_ALL | other       | allowed
      ADMIN    | other       | allowed
      """)
  void aReadKeyReadsOnlyItsClients(String caller, String clientIds, String expected) {
    Access access = new Access(EnumSet.of(Role.READ, Role.ADMIN), false);
    List<String> asked = clientIds.isEmpty() ? List.of() : List.of(clientIds.split(","));

    assertThat(access.deny(caller(caller), asked)).isEqualTo(expected.equals("allowed") ? null : expected);
  }

  @Test
  void aLongClientIdIsCutInTheRefusal() {
    String denied = new Access(EnumSet.of(Role.READ), false).deny(READ, List.of("x".repeat(500)));

    assertThat(denied).hasSize("this key may not read client ".length() + 128 + 1).endsWith("x…");
  }

  /** Every resource method of Tally: the public methods with an HTTP method annotation, of every class with @Path. */
  private static List<Method> endpoints() {
    List<Method> endpoints = new ArrayList<>();
    for (JavaClass type : new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.tally")) {
      if (!type.isAnnotatedWith(Path.class)) {
        continue;
      }
      for (Method method : type.reflect().getDeclaredMethods()) {
        if (httpMethod(method) != null) {
          endpoints.add(method);
        }
      }
    }
    assertThat(endpoints).as("the resource classes were found").hasSizeGreaterThan(10);
    return endpoints;
  }

  private static String httpMethod(Method method) {
    for (Annotation annotation : method.getAnnotations()) {
      HttpMethod http = annotation.annotationType().getAnnotation(HttpMethod.class);
      if (http != null) {
        return http.value();
      }
    }
    return null;
  }

  private static String path(Method method) {
    Path type = method.getDeclaringClass().getAnnotation(Path.class);
    Path own = method.getAnnotation(Path.class);
    String path = "/" + type.value() + "/" + (own == null ? "" : own.value());
    path = path.replaceAll("/{2,}", "/");
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  private static String describe(Access access) {
    String roles = access.roles().stream().map(Role::value).collect(Collectors.joining(" "));
    return access.keyMayBeInBody() ? roles + ", key in body" : roles;
  }

  private static Map<String, String> expected() {
    Map<String, String> expected = new TreeMap<>();
    for (String line : EXPECTED.strip().split("\n")) {
      String[] columns = line.split(" -> ");
      expected.put(columns[0].strip().replaceAll(" +", " "), columns[1].strip());
    }
    return expected;
  }

  private static Set<Role> roles(String names) {
    EnumSet<Role> roles = EnumSet.noneOf(Role.class);
    Arrays.stream(names.split(" ")).filter(name -> !name.isBlank()).forEach(name -> roles.add(Role.parse(name).orElseThrow()));
    return roles;
  }

  private static Caller caller(String name) {
    return switch (name) {
      case "INGEST" -> INGEST;
      case "READ" -> READ;
      case "READ_ALL" -> READ_ALL;
      default -> ADMIN;
    };
  }
}
