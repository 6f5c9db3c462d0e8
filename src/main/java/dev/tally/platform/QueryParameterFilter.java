package dev.tally.platform;

import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * One reading of query parameters for every route of Tally's own API: a parameter is known only under the exact name
 * its resource method declares with {@code @QueryParam}, and anything else — an unknown name, a known one spelled with
 * another case ({@code clientid}), a parameter given twice, a NUL in a value or in the path — is a 400 that names it,
 * before the resource runs. A differently spelled parameter must never be read one way by the access check and another
 * way by the endpoint. Resources marked {@link AnyQueryParameters} (the SDK-compatibility routes) are exempt.
 *
 * <p>The names are read from the resource method's annotations once per method. In a native executable that needs the
 * resource classes registered for reflection: each resource carries {@code @RegisterForReflection(fields = false)}.
 */
public class QueryParameterFilter {

  private final Map<Method, Set<String>> declared = new ConcurrentHashMap<>();

  @ServerRequestFilter
  public Response check(ContainerRequestContext request, ResourceInfo resource) {
    if (request.getUriInfo().getPath().indexOf('\0') >= 0) {
      return Problem.badParameter("path", "the path contains a NUL character (%00), which no identifier may hold").toResponse();
    }
    Class<?> resourceClass = resource.getResourceClass();
    if (resourceClass == null || resourceClass.isAnnotationPresent(AnyQueryParameters.class) || resource.getResourceMethod() == null) {
      return null;
    }
    Set<String> known = declared.computeIfAbsent(resource.getResourceMethod(), QueryParameterFilter::queryParameters);
    MultivaluedMap<String, String> given = request.getUriInfo().getQueryParameters();
    for (Map.Entry<String, List<String>> parameter : given.entrySet()) {
      String problem = problem(parameter.getKey(), parameter.getValue(), known);
      if (problem != null) {
        return Problem.badParameter(parameter.getKey(), problem).toResponse();
      }
    }
    return null;
  }

  /** Why a parameter is refused, or null. Pure, so the rules are tested without HTTP. */
  static String problem(String name, List<String> values, Set<String> known) {
    if (!known.contains(name)) {
      String quoted = "\"" + printable(name) + "\"";
      for (String candidate : known) {
        if (candidate.equalsIgnoreCase(name)) {
          return "unknown query parameter " + quoted + ": parameter names are case-sensitive; did you mean " + candidate + "?";
        }
      }
      return "unknown query parameter " + quoted + "; this route takes "
          + (known.isEmpty() ? "no query parameters" : String.join(", ", known));
    }
    if (values.size() > 1) {
      return "query parameter " + name + " is given " + values.size() + " times; give it once";
    }
    for (String value : values) {
      if (value != null && value.indexOf('\0') >= 0) {
        return "query parameter " + name + " contains a NUL character (%00)";
      }
    }
    return null;
  }

  /** A name as it can be echoed: control characters escaped, at most 64 characters. */
  private static String printable(String name) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < name.length() && out.length() < 64; i++) {
      char c = name.charAt(i);
      out.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return name.length() > 64 ? out + "…" : out.toString();
  }

  private static Set<String> queryParameters(Method method) {
    SortedSet<String> names = new TreeSet<>();
    for (Annotation[] annotations : method.getParameterAnnotations()) {
      for (Annotation annotation : annotations) {
        if (annotation instanceof QueryParam query) {
          names.add(query.value());
        }
      }
    }
    return Collections.unmodifiableSortedSet(names);
  }
}
