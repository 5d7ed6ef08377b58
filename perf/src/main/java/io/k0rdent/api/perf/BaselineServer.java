package io.k0rdent.api.perf;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;

/**
 * The load test's baseline: a bare Vert.x Web server with one route ({@code GET /}) answering a fixed
 * small JSON body, one verticle instance per core, on 127.0.0.1. What the product's endpoints are
 * compared with in {@code perf/load/run.sh}: same machine, same run, same wrk settings.
 *
 * <p>{@code java -cp perf/target/benchmarks.jar io.k0rdent.api.perf.BaselineServer <port>}
 */
public final class BaselineServer extends VerticleBase {

  private static final Buffer BODY = Buffer.buffer("{\"status\":\"ok\"}");

  private final int port;

  private BaselineServer(int port) {
    this.port = port;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "application/json")
        .end(BODY));
    return vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1");
  }

  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: BaselineServer <port>");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    int instances = Runtime.getRuntime().availableProcessors();
    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(() -> new BaselineServer(port), new DeploymentOptions().setInstances(instances))
        .onSuccess(id -> System.out.println("baseline listening on 127.0.0.1:" + port
            + " (" + instances + " instances)"))
        .onFailure(e -> {
          System.err.println("baseline failed to start: " + e);
          System.exit(1);
        });
  }
}
