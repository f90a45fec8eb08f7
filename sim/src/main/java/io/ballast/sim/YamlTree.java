package io.ballast.sim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads one YAML document (Jackson 3, YAML 1.2) into a tree of {@link YamlNode}s that keep each
 * value's line, column and path. A file that is empty, holds a second document, repeats a key in
 * a mapping, uses a value that is not plain, or is not valid YAML is a {@link ScenarioException}
 * naming the place.
 *
 * <p>Thread-safe and stateless.
 */
final class YamlTree {
  private static final YAMLMapper MAPPER = YAMLMapper.builder().build();

  private YamlTree() {}

  /** The root of {@code text}'s single document; {@code source} names the text in errors. */
  static YamlNode parse(String text, String source) {
    try (JsonParser p = MAPPER.createParser(text)) {
      if (p.nextToken() == null) {
        throw new ScenarioException(source, "", 0, 0, "the file is empty (expected: a scenario)");
      }
      YamlNode root = node(p, source, "");
      if (p.nextToken() != null) {
        TokenStreamLocation l = p.currentTokenLocation();
        throw new ScenarioException(source, "", l.getLineNr(), l.getColumnNr(),
            "a second YAML document (expected: one)");
      }
      return root;
    } catch (JacksonException e) {
      TokenStreamLocation l = e.getLocation();
      throw new ScenarioException(source, "", l == null ? 0 : l.getLineNr(),
          l == null ? 0 : l.getColumnNr(), "YAML syntax error: " + e.getOriginalMessage());
    }
  }

  private static YamlNode node(JsonParser p, String source, String path) {
    TokenStreamLocation l = p.currentTokenLocation();
    int line = l.getLineNr();
    int col = l.getColumnNr();
    JsonToken t = p.currentToken();
    switch (t) {
      case START_OBJECT: {
        Map<String, YamlNode> m = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
          String key = p.currentName();
          TokenStreamLocation kl = p.currentTokenLocation();
          p.nextToken();
          String child = path.isEmpty() ? key : path + "." + key;
          if (m.put(key, node(p, source, child)) != null) {
            throw new ScenarioException(source, child, kl.getLineNr(), kl.getColumnNr(),
                "duplicate key (expected: each key once)");
          }
        }
        return new YamlNode(m, line, col, path);
      }
      case START_ARRAY: {
        List<YamlNode> items = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          items.add(node(p, source, path + "[" + items.size() + "]"));
        }
        return new YamlNode(items, line, col, path);
      }
      case VALUE_STRING:
        return new YamlNode(p.getString(), line, col, path);
      case VALUE_NUMBER_INT:
        return new YamlNode(p.getLongValue(), line, col, path);
      case VALUE_NUMBER_FLOAT:
        return new YamlNode(p.getDoubleValue(), line, col, path);
      case VALUE_TRUE:
        return new YamlNode(Boolean.TRUE, line, col, path);
      case VALUE_FALSE:
        return new YamlNode(Boolean.FALSE, line, col, path);
      case VALUE_NULL:
        return new YamlNode(null, line, col, path);
      default:
        throw new ScenarioException(source, path, line, col,
            "unsupported YAML value " + t + " (expected: a plain value)");
    }
  }
}
