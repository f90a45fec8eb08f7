package io.ballast.sim;

/**
 * A scenario that cannot run, with the field at fault and, when known, its place in the file:
 * {@code "slow.yaml:14:12: backends[1].slots: 0 (expected: >= 1)"}. Immutable.
 */
public final class ScenarioException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final int line;
  private final int column;

  /**
   * @param source the file name (or "scenario")
   * @param field the path of the field, such as {@code backends[1].slots}
   * @param line 1-based, 0 when unknown
   * @param column 1-based, 0 when unknown
   * @param problem what is wrong and what was expected
   */
  public ScenarioException(String source, String field, int line, int column, String problem) {
    super(source + (line > 0 ? ":" + line + ":" + column : "") + ": "
        + (field.isEmpty() ? "" : field + ": ") + problem);
    this.field = field;
    this.line = line;
    this.column = column;
  }

  /** The path of the field at fault ({@code variants[0].algorithm}); empty for the whole file. */
  public String field() {
    return field;
  }

  public int line() {
    return line;
  }

  public int column() {
    return column;
  }
}
