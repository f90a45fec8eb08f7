package io.ballast.proxy.discovery;

import io.ballast.proxy.discovery.DnsAnswers.Answer;
import io.ballast.proxy.discovery.DnsAnswers.Srv;
import io.netty.handler.codec.dns.DnsRecordType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * One lookup of one backend entry: the address records of a host name, or an SRV name and then
 * the address records of each of its targets, turned into members.
 *
 * <p>Event-loop only (that of its {@link DnsQueries}).
 */
final class DnsLookup {
  private final DnsQueries queries;

  DnsLookup(DnsQueries queries) {
    this.queries = queries;
  }

  /** The outcome of one lookup. */
  sealed interface Result {}

  /** Members found, ordered by name, and the smallest TTL of the records that gave them. */
  record Found(List<DnsMember> members, long ttl) implements Result {}

  /** No member found, and why; the caller keeps what it had. */
  record Failed(DnsFailure reason, String detail) implements Result {}

  /** Looks {@code spec} up; never completes exceptionally. */
  CompletableFuture<Result> run(DnsBackendSpec spec) {
    if (!spec.srv()) {
      return addresses(spec.name(), spec.kind()).thenApply(a -> {
        if (a.failure() != null) {
          return new Failed(a.failure(), a.detail());
        }
        List<DnsMember> members = new ArrayList<>();
        for (String host : a.addresses()) {
          members.add(DnsMember.of(spec.name(), host, spec.port(), spec.weight()));
        }
        return new Found(sorted(members), a.ttl());
      });
    }
    return queries.ask(spec.name(), DnsRecordType.SRV).thenCompose(answer ->
        answer.failure() != null
            ? CompletableFuture.completedFuture(new Failed(answer.failure(), answer.detail()))
            : targets(spec, answer));
  }

  /**
   * The SRV records of the lowest priority present (the others are backups this version does not
   * use), each target asked for its addresses.
   */
  private CompletableFuture<Result> targets(DnsBackendSpec spec, Answer answer) {
    int priority = answer.srv().stream().mapToInt(Srv::priority).min().orElseThrow();
    List<Srv> chosen = answer.srv().stream()
        .filter(s -> s.priority() == priority && !s.target().isEmpty())
        .toList();
    if (chosen.isEmpty()) {
      return CompletableFuture.completedFuture(new Failed(DnsFailure.NO_ANSWER,
          "SRV " + spec.name() + ": target \".\" (service not offered)"));
    }
    int largest = chosen.stream().mapToInt(Srv::weight).max().orElseThrow();
    Map<String, CompletableFuture<Answer>> byTarget = new LinkedHashMap<>();
    for (Srv s : chosen) {
      byTarget.computeIfAbsent(s.target(), t -> addresses(t, spec.kind()));
    }
    return CompletableFuture.allOf(byTarget.values().toArray(CompletableFuture[]::new))
        .thenApply(done -> {
          Map<String, DnsMember> members = new TreeMap<>();
          long ttl = answer.ttl();
          List<String> empty = new ArrayList<>();
          for (Map.Entry<String, CompletableFuture<Answer>> e : byTarget.entrySet()) {
            Answer a = e.getValue().join();
            if (a.failure() == null) {
              ttl = Math.min(ttl, a.ttl());
            } else if (a.failure().emptyAnswer()) {
              // A target without addresses is skipped; the others still serve.
              empty.add(e.getKey() + ": " + a.failure().label());
            } else {
              // An error on one target would drop its members spuriously: keep the last set.
              return new Failed(a.failure(), "SRV " + spec.name() + " target " + a.detail());
            }
          }
          for (Srv s : chosen) {
            int weight = DnsAnswers.ballastWeight(s.weight(), largest);
            for (String host : byTarget.get(s.target()).join().addresses()) {
              DnsMember m = DnsMember.of(s.target(), host, s.port(), weight);
              members.merge(m.name(), m, (x, y) -> x.weight() >= y.weight() ? x : y);
            }
          }
          if (members.isEmpty()) {
            return new Failed(DnsFailure.NO_ANSWER, "SRV " + spec.name()
                + ": no target of priority " + priority + " has an address " + empty);
          }
          return new Found(List.copyOf(members.values()), ttl);
        });
  }

  /**
   * The addresses of {@code name} of {@code kind}. With {@link DnsBackendSpec.Kind#ANY} both
   * questions go out together; an error in either fails the whole (half the members would
   * otherwise vanish on a lost packet), while an empty answer in one just adds nothing.
   */
  private CompletableFuture<Answer> addresses(String name, DnsBackendSpec.Kind kind) {
    return switch (kind) {
      case A -> queries.ask(name, DnsRecordType.A);
      case AAAA -> queries.ask(name, DnsRecordType.AAAA);
      case ANY -> queries.ask(name, DnsRecordType.A)
          .thenCombine(queries.ask(name, DnsRecordType.AAAA), DnsLookup::both);
    };
  }

  private static Answer both(Answer v4, Answer v6) {
    for (Answer a : List.of(v4, v6)) {
      if (a.failure() != null && !a.failure().emptyAnswer()) {
        return a;
      }
    }
    if (v4.failure() != null && v6.failure() != null) {
      return Answer.failed(v4.failure() == v6.failure() ? v4.failure() : DnsFailure.NO_ANSWER,
          v4.detail() + "; " + v6.detail());
    }
    List<String> all = new ArrayList<>(v4.addresses());
    all.addAll(v6.addresses());
    long ttl = Math.min(v4.failure() == null ? v4.ttl() : Long.MAX_VALUE,
        v6.failure() == null ? v6.ttl() : Long.MAX_VALUE);
    return new Answer(null, "", List.copyOf(all), List.of(), ttl);
  }

  private static List<DnsMember> sorted(List<DnsMember> members) {
    Map<String, DnsMember> byName = new TreeMap<>();
    for (DnsMember m : members) {
      byName.putIfAbsent(m.name(), m);
    }
    return List.copyOf(byName.values());
  }
}
