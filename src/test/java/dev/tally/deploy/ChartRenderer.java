package dev.tally.deploy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Renders the chart's templates with given values, the way `helm template` does for the few constructs
 * {@link ChartGenerator} writes (there is no helm binary here): a line {@code {{- if [not] .Values.x }}} ...
 * {@code {{- end }}} keeps or drops the lines between (Helm's truthiness: false, 0, "", null and empty maps and
 * lists are false); a line {@code {{- toYaml .Values.x | nindent N }}} becomes the value as YAML indented N spaces
 * (the {@code -} joins it to the line before, as nindent's newline separates it again); {@code {{ .Values.x }}}
 * and {@code {{ .Values.x | quote }}} inside a line become the value, quoted or not (a number of a million or more is
 * an error: Helm holds values.yaml numbers as float64 and would print 1e+06); {@code {{ `text` }}} becomes text (a Go
 * raw string, how the chart carries Prometheus' own braces). Anything else in braces, and a
 * reference to a value that does not exist, is an error: the chart may use nothing this class does not check.
 */
final class ChartRenderer {

  private static final Pattern IF = Pattern.compile("\\s*\\{\\{- if (not )?\\.Values\\.([\\w.]+) }}\\s*");
  private static final Pattern END = Pattern.compile("\\s*\\{\\{- end }}\\s*");
  private static final Pattern TO_YAML = Pattern.compile("\\s*\\{\\{- toYaml \\.Values\\.([\\w.]+) \\| nindent (\\d+) }}\\s*");
  private static final Pattern INLINE = Pattern.compile("\\{\\{ `([^`]*)` }}|\\{\\{ \\.Values\\.([\\w.]+)( \\| quote)? }}");

  /** The documents the templates render to, in file order; empty documents left out. */
  static List<Map<String, Object>> render(Map<String, String> templates, Map<String, Object> values) {
    List<Map<String, Object>> documents = new ArrayList<>();
    for (Map.Entry<String, String> template : templates.entrySet()) {
      String text = renderText(template.getKey(), template.getValue(), values);
      for (Object document : new Yaml().loadAll(text)) {
        if (document != null) {
          documents.add((Map<String, Object>) document);
        }
      }
    }
    return documents;
  }

  static String renderText(String name, String template, Map<String, Object> values) {
    StringBuilder out = new StringBuilder();
    Deque<Boolean> active = new ArrayDeque<>();
    active.push(true);
    int number = 0;
    for (String line : template.split("\n", -1)) {
      number++;
      String where = name + ":" + number;
      Matcher m;
      if ((m = IF.matcher(line)).matches()) {
        boolean holds = truthy(value(values, m.group(2), where)) != (m.group(1) != null);
        active.push(active.peek() && holds);
      } else if (END.matcher(line).matches()) {
        if (active.size() == 1) {
          throw new IllegalStateException(where + ": end without if");
        }
        active.pop();
      } else if (!active.peek()) {
        continue;
      } else if ((m = TO_YAML.matcher(line)).matches()) {
        String indent = " ".repeat(Integer.parseInt(m.group(2)));
        for (String yamlLine : toYaml(value(values, m.group(1), where)).split("\n")) {
          out.append(indent).append(yamlLine).append('\n');
        }
      } else {
        Matcher inline = INLINE.matcher(line);
        StringBuilder rendered = new StringBuilder();
        int last = 0;
        while (inline.find()) {
          literal(line.substring(last, inline.start()), where, rendered);
          last = inline.end();
          if (inline.group(1) != null) {
            rendered.append(inline.group(1)); // {{ `raw` }}: printed as it is
            continue;
          }
          Object value = value(values, inline.group(2), where);
          if (value instanceof Number n && Math.abs(n.doubleValue()) >= 1_000_000) {
            // Helm reads values.yaml numbers as float64 and prints these as 1e+06: the template must quote them.
            throw new IllegalStateException(where + ": .Values." + inline.group(2) + " = " + value + " renders as a float in Helm");
          }
          rendered.append(inline.group(3) != null ? quote(String.valueOf(value)) : String.valueOf(value));
        }
        literal(line.substring(last), where, rendered);
        out.append(rendered).append('\n');
      }
    }
    if (active.size() != 1) {
      throw new IllegalStateException(name + ": if without end");
    }
    return out.toString();
  }

  /** Template text outside the constructs: copied, unless it holds a construct this class does not know. */
  private static void literal(String text, String where, StringBuilder out) {
    if (text.contains("{{") || text.contains("}}")) {
      throw new IllegalStateException(where + ": a template construct ChartRenderer does not know: " + text);
    }
    out.append(text);
  }

  /** The value at a dotted path; an error when any part is missing (helm would print "<no value>"). */
  static Object value(Map<String, Object> values, String dotted, String where) {
    Object node = values;
    for (String part : dotted.split("\\.")) {
      if (!(node instanceof Map<?, ?> map) || !map.containsKey(part)) {
        throw new IllegalStateException(where + ": .Values." + dotted + " is not defined in values.yaml");
      }
      node = map.get(part);
    }
    return node;
  }

  static boolean truthy(Object value) {
    if (value == null || Boolean.FALSE.equals(value)) {
      return false;
    }
    if (value instanceof Number number) {
      return number.doubleValue() != 0;
    }
    if (value instanceof String string) {
      return !string.isEmpty();
    }
    if (value instanceof Map<?, ?> map) {
      return !map.isEmpty();
    }
    if (value instanceof Collection<?> collection) {
      return !collection.isEmpty();
    }
    return true;
  }

  private static String toYaml(Object value) {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndent(2);
    return new Yaml(options).dump(value).stripTrailing();
  }

  /** Helm's quote: a double-quoted Go string. */
  private static String quote(String text) {
    return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  private ChartRenderer() {}
}
