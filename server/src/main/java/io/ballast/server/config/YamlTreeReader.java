package io.ballast.server.config;

import io.ballast.server.config.YamlNode.Entry;
import io.ballast.server.config.YamlNode.ListNode;
import io.ballast.server.config.YamlNode.MapNode;
import io.ballast.server.config.YamlNode.ScalarNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLParser;

/**
 * Turns YAML text into a {@link YamlNode} tree by walking the parser's tokens, keeping each
 * token's line and column. Also catches what a tree of maps would silently hide: duplicate keys
 * (the last would win), aliases (Jackson's streaming parser returns the alias name as if it were
 * the value) and a second document.
 *
 * <p>Jackson 3's YAML module follows YAML 1.2, so {@code no}, {@code on} and {@code 010} stay
 * strings instead of becoming booleans and octal numbers as in YAML 1.1.
 *
 * <p>Thread-safe and stateless: the shared mapper is immutable; each call has its own parser.
 */
final class YamlTreeReader {
  private static final YAMLMapper MAPPER = YAMLMapper.builder().build();

  private YamlTreeReader() {}

  /** The root node, or empty when the text has syntax errors or no document (reported). */
  static Optional<YamlNode> read(String text, Problems problems) {
    try (JsonParser parser = MAPPER.createParser(text)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        problems.error(Mark.START, "", "the file is empty (expected: a mapping with 'listeners' and 'pools')");
        return Optional.empty();
      }
      int errorsBefore = problems.errorCount();
      YamlNode root = node(parser, problems);
      if (parser.nextToken() != null) {
        problems.error(mark(parser), "", "a second YAML document (expected: exactly one document)");
      }
      return problems.errorCount() == errorsBefore ? Optional.of(root) : Optional.empty();
    } catch (JacksonException e) {
      syntaxError(e, problems);
      return Optional.empty();
    }
  }

  /** Reads the value starting at the current token, leaving the parser on its last token. */
  private static YamlNode node(JsonParser parser, Problems problems) {
    Mark at = mark(parser);
    if (parser instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
      problems.error(at, "", "YAML alias '*" + parser.getString()
          + "' (expected: a plain value; aliases and anchors are not supported)");
      return new ScalarNode(at, null);
    }
    JsonToken token = parser.currentToken();
    switch (token) {
      case START_OBJECT:
        return map(parser, problems, at);
      case START_ARRAY:
        var items = new ArrayList<YamlNode>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          items.add(node(parser, problems));
        }
        return new ListNode(at, List.copyOf(items));
      case VALUE_STRING:
        return new ScalarNode(at, parser.getString());
      case VALUE_NUMBER_INT:
        BigInteger big = parser.getBigIntegerValue();
        return new ScalarNode(at, big.bitLength() < 64 ? (Object) big.longValue() : big);
      case VALUE_NUMBER_FLOAT:
        return new ScalarNode(at, parser.getDoubleValue());
      case VALUE_TRUE:
        return new ScalarNode(at, Boolean.TRUE);
      case VALUE_FALSE:
        return new ScalarNode(at, Boolean.FALSE);
      case VALUE_NULL:
        return new ScalarNode(at, null);
      default:
        // Embedded binary (!!binary) and the like: nothing in the config takes them.
        problems.error(at, "", "unsupported YAML value " + token + " (expected: a plain value)");
        return new ScalarNode(at, null);
    }
  }

  private static MapNode map(JsonParser parser, Problems problems, Mark at) {
    Map<String, Entry> entries = new LinkedHashMap<>();
    while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
      String key = parser.currentName();
      Mark keyMark = mark(parser);
      parser.nextToken();
      YamlNode value = node(parser, problems);
      Entry first = entries.get(key);
      if (first != null) {
        problems.error(keyMark, "", "duplicate key '" + key + "' (first at " + first.keyMark()
            + "; expected: each key once)");
      } else {
        entries.put(key, new Entry(key, keyMark, value));
      }
    }
    return new MapNode(at, Collections.unmodifiableMap(entries));
  }

  private static Mark mark(JsonParser parser) {
    TokenStreamLocation location = parser.currentTokenLocation();
    return new Mark(Math.max(1, location.getLineNr()), Math.max(1, location.getColumnNr()));
  }

  /**
   * Reports a syntax error at the place the YAML scanner gave up. The scanner's own mark is more
   * precise than the Jackson exception's location, which sometimes points at the last good token.
   */
  private static void syntaxError(JacksonException e, Problems problems) {
    Throwable cause = e.getCause();
    if (cause instanceof MarkedYamlEngineException marked && marked.getProblemMark().isPresent()) {
      var problem = marked.getProblemMark().get();
      StringBuilder message = new StringBuilder("YAML syntax error: ").append(marked.getProblem());
      if (marked.getContext() != null) {
        message.append(" (").append(marked.getContext());
        marked.getContextMark().ifPresent(
            m -> message.append(" at ").append(m.getLine() + 1).append(':').append(m.getColumn() + 1));
        message.append(')');
      }
      problems.error(new Mark(problem.getLine() + 1, problem.getColumn() + 1), "", message.toString());
      return;
    }
    TokenStreamLocation location = e.getLocation();
    Mark at = location == null
        ? Mark.START
        : new Mark(Math.max(1, location.getLineNr()), Math.max(1, location.getColumnNr()));
    problems.error(at, "", "YAML syntax error: " + e.getOriginalMessage());
  }
}
