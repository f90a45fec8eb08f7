package io.ballast.proxy.discovery;

import io.ballast.proxy.Transport;
import io.ballast.proxy.discovery.DnsAnswers.Answer;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;
import io.netty.resolver.dns.DnsServerAddressStream;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.resolver.dns.NoopAuthoritativeDnsServerCache;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * Sends one question to the nameservers in order: the first that gives an answer (records,
 * NXDOMAIN or an empty NOERROR) decides; a timeout, SERVFAIL, refusal or unreadable answer moves
 * on to the next, and the last one's failure is the result.
 *
 * <p>Raw queries on Netty's {@link DnsNameResolver}: no cache, no search domains, no hosts file,
 * every record with its TTL. A truncated UDP answer is asked again over TCP.
 *
 * <p>Event-loop only ({@link #loop}): every future completes on it.
 */
final class DnsQueries implements AutoCloseable {
  final EventLoop loop;
  private final DnsServerAddressStreamProvider servers;
  private final long timeoutMillis;
  private final DnsNameResolver resolver;

  DnsQueries(EventLoop loop, DnsServerAddressStreamProvider servers, long timeoutMillis) {
    this.loop = loop;
    this.servers = servers;
    this.timeoutMillis = timeoutMillis;
    this.resolver = new DnsNameResolverBuilder(loop)
        .datagramChannelType(Transport.datagramChannel(loop))
        .socketChannelType(Transport.socketChannel(loop))
        .nameServerProvider(servers)
        .queryTimeoutMillis(timeoutMillis)
        .resolveCache(NoopDnsCache.INSTANCE)
        .cnameCache(NoopDnsCnameCache.INSTANCE)
        .authoritativeDnsServerCache(NoopAuthoritativeDnsServerCache.INSTANCE)
        .recursionDesired(true)
        .build();
  }

  /** Asks for the {@code type} records of {@code name}; never completes exceptionally. */
  CompletableFuture<Answer> ask(String name, DnsRecordType type) {
    CompletableFuture<Answer> result = new CompletableFuture<>();
    // A stream per question: the system's provider may name other servers for some domains.
    DnsServerAddressStream stream = servers.nameServerAddressStream(name);
    ask(name, type, stream, 1, stream.size(), result);
    return result;
  }

  private void ask(String name, DnsRecordType type, DnsServerAddressStream stream, int attempt,
      int servers, CompletableFuture<Answer> result) {
    InetSocketAddress server = stream.next();
    Future<AddressedEnvelope<DnsResponse, InetSocketAddress>> query;
    try {
      query = resolver.query(server, new DefaultDnsQuestion(name, type));
    } catch (RuntimeException e) {
      // Closed, or a name Netty's encoder refuses.
      result.complete(Answer.failed(DnsFailure.UNREACHABLE, server + ": " + e));
      return;
    }
    query.addListener(f -> {
      Answer answer = f.isSuccess() ? read(query.getNow(), name, type) : failed(f.cause());
      if (answer.failure() != null && !answer.failure().emptyAnswer() && attempt < servers) {
        ask(name, type, stream, attempt + 1, servers, result);
        return;
      }
      if (answer.failure() != null) {
        answer = Answer.failed(answer.failure(), type.name() + " " + name + " from "
            + NetUtil.toSocketAddressString(server) + ": " + answer.detail()
            + (attempt > 1 ? " (" + attempt + " nameservers asked)" : ""));
      }
      result.complete(answer);
    });
  }

  private Answer failed(Throwable cause) {
    // query() fails with the timeout itself; resolve() would wrap it, which isTimeoutError reads.
    if (cause instanceof DnsNameResolverTimeoutException || DnsNameResolver.isTimeoutError(cause)) {
      return Answer.failed(DnsFailure.TIMEOUT, "no answer within " + timeoutMillis + " ms");
    }
    return Answer.failed(DnsFailure.UNREACHABLE, cause.getClass().getSimpleName() + ": "
        + cause.getMessage());
  }

  private static Answer read(AddressedEnvelope<DnsResponse, InetSocketAddress> envelope,
      String name, DnsRecordType type) {
    try {
      return DnsAnswers.read(envelope.content(), name, type);
    } catch (RuntimeException e) {
      return Answer.failed(DnsFailure.MALFORMED, e.toString());
    } finally {
      envelope.release();
    }
  }

  /** Closes the resolver's channels; questions in flight end as failures nobody reads. */
  @Override
  public void close() {
    resolver.close();
  }
}
