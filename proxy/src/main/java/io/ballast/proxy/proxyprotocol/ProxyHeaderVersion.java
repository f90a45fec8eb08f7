package io.ballast.proxy.proxyprotocol;

/** Which PROXY protocol header a pool sends its backends: text (1) or binary (2). */
public enum ProxyHeaderVersion {
  V1("v1"),
  V2("v2");

  private final String text;

  ProxyHeaderVersion(String text) {
    this.text = text;
  }

  @Override
  public String toString() {
    return text;
  }
}
