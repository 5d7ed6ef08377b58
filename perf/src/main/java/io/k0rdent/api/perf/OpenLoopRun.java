package io.k0rdent.api.perf;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpResponseExpectation;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * An open-loop (fixed arrival rate) HTTP load generator: requests are sent on a schedule of {@code rate}
 * per second whatever the server does, and each latency is measured from the request's <em>scheduled</em>
 * send time to the end of its answer, so a server that stalls is charged for every request that should
 * have been sent meanwhile (no coordinated omission). wrk and hey are closed-loop; Gatling fits the
 * injection model but records whole milliseconds, too coarse for a p99 target of 1 ms.
 *
 * <p>One pacing thread schedules; a Vert.x {@link HttpClient} (HTTP/1.1, keep-alive, {@code connections}
 * pooled, requests queued when all are busy) sends; latencies go to an HdrHistogram {@link Recorder}
 * (microseconds, 3 significant digits). The warm-up is sent at the same rate and not recorded.
 *
 * <p>Prints one machine-readable line that {@code perf/load/run.sh} parses:
 * {@code RESULT rate=… sent=… ok=… non2xx=… errors=… p50_us=… p99_us=… p999_us=… max_us=…};
 * exit 0 when every recorded answer was 2xx, 1 otherwise.
 *
 * <pre>java -cp perf/target/benchmarks.jar io.k0rdent.api.perf.OpenLoopRun --rate 5000 --duration 30 \
 *   -X POST -H 'Content-Type: application/json' --body-file body.json http://127.0.0.1:8080/…</pre>
 */
@Command(name = "open-loop", mixinStandardHelpOptions = true,
    description = "Fixed-rate HTTP load with latency measured from each request's scheduled send time.")
public final class OpenLoopRun implements Callable<Integer> {

  @CommandLine.Parameters(index = "0", description = "the URL (http, loopback)")
  URI url;

  @Option(names = "--rate", description = "requests per second (default ${DEFAULT-VALUE})")
  int rate = 5000;

  @Option(names = "--duration", description = "measured seconds (default ${DEFAULT-VALUE})")
  int duration = 30;

  @Option(names = "--warmup", description = "unrecorded seconds first, same rate (default ${DEFAULT-VALUE})")
  int warmup = 5;

  @Option(names = "--connections", description = "pooled keep-alive connections (default ${DEFAULT-VALUE})")
  int connections = 64;

  @Option(names = {"-X", "--method"}, description = "HTTP method (default ${DEFAULT-VALUE})")
  String method = "GET";

  @Option(names = {"-H", "--header"}, description = "a header, 'Name: value' (repeatable)")
  List<String> headers = new ArrayList<>();

  @Option(names = "--body-file", description = "the request body, read once")
  Path bodyFile;

  /** Answers that ended (any status), not 2xx, and failed requests (connection, timeout) in the measured part. */
  private final AtomicLong ok = new AtomicLong();
  private final AtomicLong non2xx = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicReference<String> firstFailure = new AtomicReference<>();

  @Override
  public Integer call() throws Exception {
    if (rate < 1 || duration < 1 || warmup < 0 || connections < 1) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "rate, duration and connections must be positive, warmup zero or more");
    }
    if (!"http".equals(url.getScheme()) || url.getHost() == null || url.getPort() < 0) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "the URL must be http://host:port/... (plain HTTP, explicit port): " + url);
    }
    if (bodyFile != null && !Files.isReadable(bodyFile)) {
      throw new CommandLine.ParameterException(new CommandLine(this), "cannot read --body-file " + bodyFile);
    }
    if (!method.matches("[A-Z]+")) {
      throw new CommandLine.ParameterException(new CommandLine(this), "not an HTTP method: " + method);
    }
    Buffer body = bodyFile == null ? null : Buffer.buffer(Files.readAllBytes(bodyFile));
    RequestOptions template = new RequestOptions().setMethod(HttpMethod.valueOf(method))
        .setHost(url.getHost()).setPort(url.getPort())
        .setURI(url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery()))
        .setTimeout(10_000);
    for (String h : headers) {
      int colon = h.indexOf(':');
      if (colon <= 0) {
        throw new CommandLine.ParameterException(new CommandLine(this), "not a header: " + h);
      }
      template.putHeader(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
    }
    Vertx vertx = Vertx.vertx();
    HttpClient client = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
    Context[] contexts = new Context[Math.max(1, Runtime.getRuntime().availableProcessors())];
    for (int i = 0; i < contexts.length; i++) {
      contexts[i] = ((VertxInternal) vertx).createEventLoopContext(); // one event loop each
    }
    Recorder recorder = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
    long total = (long) rate * (warmup + duration);
    long firstRecorded = (long) rate * warmup;
    CountDownLatch done = new CountDownLatch(1);
    AtomicLong outstanding = new AtomicLong(total);
    double intervalNanos = 1e9 / rate;
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
    long maxLagNanos = 0;
    for (long i = 0; i < total; i++) {
      long scheduled = start + (long) (i * intervalNanos);
      long now;
      while ((now = System.nanoTime()) < scheduled) {
        LockSupport.parkNanos(Math.min(scheduled - now, 50_000));
      }
      maxLagNanos = Math.max(maxLagNanos, now - scheduled);
      boolean recorded = i >= firstRecorded;
      // Sent from an event loop: the answer's callbacks then run there too, in order.
      contexts[(int) (i % contexts.length)].runOnContext(v -> client.request(new RequestOptions(template))
          .compose(req -> body == null ? req.send() : req.send(body))
          .compose(resp -> resp.body().map(b -> resp))
          .onComplete(ar -> {
            long latency = System.nanoTime() - scheduled;
            if (recorded) {
              if (ar.succeeded()) {
                HttpClientResponse resp = ar.result();
                recorder.recordValue(Math.max(1, TimeUnit.NANOSECONDS.toMicros(latency)));
                if (HttpResponseExpectation.SC_SUCCESS.test(resp)) {
                  ok.incrementAndGet();
                } else {
                  non2xx.incrementAndGet();
                  firstFailure.compareAndSet(null, "HTTP " + resp.statusCode());
                }
              } else {
                errors.incrementAndGet();
                firstFailure.compareAndSet(null, ar.cause().toString());
              }
            }
            if (outstanding.decrementAndGet() == 0) {
              done.countDown();
            }
          }));
    }
    boolean finished = done.await(30, TimeUnit.SECONDS);
    Histogram h = recorder.getIntervalHistogram();
    long sent = total - firstRecorded;
    // Snapshot the counters once: callbacks still running after a timed-out await would otherwise be
    // counted both as unanswered and as ok/non2xx/errors (sent = ok + non2xx + errors + unanswered).
    long okCount = ok.get(), non2xxCount = non2xx.get(), errorCount = errors.get();
    long lost = finished ? 0 : sent - okCount - non2xxCount - errorCount;
    System.out.printf("RESULT rate=%d seconds=%d sent=%d ok=%d non2xx=%d errors=%d unanswered=%d p50_us=%d p99_us=%d "
            + "p999_us=%d max_us=%d pacing_max_lag_us=%d%n", rate, duration, sent, okCount, non2xxCount,
        errorCount, lost, h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9),
        h.getMaxValue(), TimeUnit.NANOSECONDS.toMicros(maxLagNanos));
    if (firstFailure.get() != null) {
      System.err.println("first failure: " + firstFailure.get());
    }
    client.close();
    vertx.close();
    return non2xxCount == 0 && errorCount == 0 && lost == 0 ? 0 : 1;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new OpenLoopRun()).execute(args));
  }
}
