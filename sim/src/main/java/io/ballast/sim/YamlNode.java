package io.ballast.sim;

import java.util.List;
import java.util.Map;

/**
 * A value read from YAML and where it starts: a map (keys in file order), a list, or a scalar
 * ({@code String}, {@code Long}, {@code Double}, {@code Boolean}, or null for an empty value),
 * with its 1-based line and column and its path from the root ({@code backends[1].slots}, empty
 * for the root). {@link YamlTree} builds them; {@link NodeReader} reads typed values out of them.
 *
 * <p>Immutable in use: the maps and lists are filled while the tree is built and never changed
 * after; safe to share once built.
 */
record YamlNode(Object value, int line, int column, String path) {
  /** The entries of a map node, in file order; only when {@code value()} is a map. */
  @SuppressWarnings("unchecked")
  Map<String, YamlNode> map() {
    return (Map<String, YamlNode>) value;
  }

  /** The items of a list node; only when {@code value()} is a list. */
  @SuppressWarnings("unchecked")
  List<YamlNode> list() {
    return (List<YamlNode>) value;
  }
}
