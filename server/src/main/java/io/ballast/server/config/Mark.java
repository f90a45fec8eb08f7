package io.ballast.server.config;

/** A position in the config file, 1-based, as editors show it. Immutable. */
record Mark(int line, int column) {
  static final Mark START = new Mark(1, 1);

  @Override
  public String toString() {
    return line + ":" + column;
  }
}
