package io.ballast.proxy.discovery;

import java.util.Locale;

/**
 * Why a lookup found no members. Every one keeps the members found last: an answer that lists
 * nothing cannot be told from a broken zone, and a pool must not be emptied by one.
 */
public enum DnsFailure {
  /** No nameserver answered within the timeout (a stopped or unreachable nameserver too). */
  TIMEOUT,
  /** The nameserver could not be reached at all (the query could not be sent). */
  UNREACHABLE,
  /** The nameserver answered SERVFAIL: it could not get an answer itself. */
  SERVFAIL,
  /** The nameserver refused the query, or answered another error code (NOTIMP, FORMERR...). */
  REFUSED,
  /** The name does not exist (NXDOMAIN). */
  NXDOMAIN,
  /** The name exists but has no record of the asked types, or no SRV target had an address. */
  NO_ANSWER,
  /** The answer could not be parsed. */
  MALFORMED;

  /** True for a definite empty answer (no such name or records), false for an error. */
  boolean emptyAnswer() {
    return this == NXDOMAIN || this == NO_ANSWER;
  }

  /** Lower case, as in metrics labels and logs: {@code servfail}, {@code no_answer}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
