package io.ballast.server.admin;

import io.ballast.core.Backend;
import io.ballast.core.signal.BackendSignals;
import io.ballast.core.signal.LoadReport;
import io.ballast.core.signal.SignalSource;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code signals} object of a backend in {@code /admin/backends}: per source that has
 * reported or failed, its latest figures, their age, the weight percentage and command (agent),
 * and why it is stale (null while it delivers).
 *
 * <pre>{@code
 * "signals":{"agent":{"figures":{"cpu":0.8},"age_ms":412,"weight_percent":50,"command":"drain",
 *                     "stale":null},
 *            "header":{"figures":{"cpu":0.72,"mem":0.4},"age_ms":3,"weight_percent":-1,
 *                      "command":"none","stale":"unreadable X-Load-Report header: ..."}}
 * }</pre>
 * A source that has failed before its first report has {@code figures} {} and {@code age_ms}
 * null.
 *
 * <p>Thread-safe (stateless; {@link BackendSignals} is read through atomics).
 */
final class SignalsJson {
  private SignalsJson() {}

  static void put(ObjectNode backendNode, Backend backend, long nowNanos) {
    ObjectNode signals = backendNode.putObject("signals");
    BackendSignals s = backend.signals();
    for (SignalSource source : SignalSource.values()) {
      LoadReport r = s.latest(source);
      String stale = s.staleReason(source);
      if (r == null && stale == null) {
        continue;
      }
      ObjectNode n = signals.putObject(source.configName());
      ObjectNode figures = n.putObject("figures");
      if (r != null) {
        // Sorted, so that the answer reads the same from one request to the next.
        for (Map.Entry<String, Double> e : new TreeMap<>(r.figures()).entrySet()) {
          figures.put(e.getKey(), e.getValue());
        }
        n.put("age_ms", (nowNanos - r.atNanos()) / 1_000_000);
        n.put("weight_percent", r.weightPercent());
        n.put("command", r.command().name().toLowerCase(Locale.ROOT));
      } else {
        n.putNull("age_ms");
        n.put("weight_percent", -1);
        n.put("command", "none");
      }
      if (stale == null) {
        n.putNull("stale");
      } else {
        n.put("stale", stale);
      }
    }
  }
}
