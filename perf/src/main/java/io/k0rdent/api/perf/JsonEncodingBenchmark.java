package io.k0rdent.api.perf;

import io.k0rdent.api.core.auth.Principal;
import io.k0rdent.api.router.auth.IntrospectEndpoint;
import io.k0rdent.api.core.auth.PrincipalType;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Organization;
import io.k0rdent.api.router.resources.ResourceOperations;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding response bodies as the router does ({@code JsonObject.toBuffer()}, Jackson underneath):
 * <ul>
 *   <li>{@code oneField}: {@code {"active":false}} (baseline);</li>
 *   <li>{@code introspection}: an active introspection answer (15 fields: active, sub, iss, aud, exp,
 *       iat, jti, token_type, tenant_id, scope, scope_id, principal_type, roles (2), client_id,
 *       credential_id), built once;</li>
 *   <li>{@code introspectionBuild}: building that object from a {@link Principal} as
 *       {@code IntrospectEndpoint.active} does (copied here: that method is private) and encoding it;</li>
 *   <li>{@code organizations50}: a 50-item page of organizations as {@code listOrganizations} answers it
 *       (selfLink, uid, id, displayName, description, createdAt, updatedAt, etag each), built once;</li>
 *   <li>{@code organizations50Build}: building that page with the product's
 *       {@link ResourceOperations#json} (ISO-8601 timestamps formatted per item) and encoding it.</li>
 * </ul>
 * Report each as a ratio to {@code oneField} from the same run.
 * Run: {@code java -jar perf/target/benchmarks.jar JsonEncodingBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JsonEncodingBenchmark {

  private static final String ISSUER = "https://api.k0rdent.example/v1/regions/global/auth";
  private static final String AUDIENCE = "k0rdent-api";

  private JsonObject oneField;
  private Principal principal;
  private JsonObject introspection;
  private ResourceOperations<Organization> organizationOps;
  private List<Organization> organizations;
  private JsonObject organizations50;

  @Setup
  public void setUp() {
    oneField = new JsonObject().put("active", false);
    Instant now = Clock.now();
    principal = new Principal("sa-3f9c2a7e", PrincipalType.SERVICE_ACCOUNT, "acme-corp", "organization", "acme-corp",
        "sa-3f9c2a7e@acme-corp", UUID.randomUUID().toString(), now, now.plusSeconds(900), "cred-7d41b0c2",
        "rs-" + UUID.randomUUID(), List.of("compute-viewer", "project-viewer"));
    introspection = active(principal, principal.roles());
    organizationOps = new ResourceOperations<>("organization", "/v1/regions/global/organizations", "organizations",
        null, null, o -> ResourceOperations.names(new JsonObject(), o.displayName(), o.description()));
    organizations = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      organizations.add(new Organization("org-" + String.format("%04d", i), UUID.randomUUID(), "Organization " + i,
          "Tenant organization number " + i + " of the benchmark", now.minusSeconds(86_400L * i), now, 1 + i % 7));
    }
    organizations50 = page();
    if (introspection.size() != 15 || organizations50.getJsonArray("organizations").getJsonObject(0).size() != 8) {
      throw new IllegalStateException("unexpected shapes: " + introspection + " " + organizations50);
    }
  }

  /** The product's own builder ({@link IntrospectEndpoint#activeAnswer}). */
  private static JsonObject active(Principal p, List<String> roles) {
    return IntrospectEndpoint.activeAnswer(p, roles, ISSUER, AUDIENCE);
  }

  /** As {@code ResourceOperations.list} builds a page (no next page token). */
  private JsonObject page() {
    JsonArray items = new JsonArray();
    organizations.forEach(o -> items.add(organizationOps.json(o)));
    return new JsonObject().put("organizations", items);
  }

  /** Baseline: a 1-field object. */
  @Benchmark
  public Buffer oneField() {
    return oneField.toBuffer();
  }

  @Benchmark
  public Buffer introspection() {
    return introspection.toBuffer();
  }

  @Benchmark
  public Buffer introspectionBuild() {
    return active(principal, principal.roles()).toBuffer();
  }

  @Benchmark
  public Buffer organizations50() {
    return organizations50.toBuffer();
  }

  @Benchmark
  public Buffer organizations50Build() {
    return page().toBuffer();
  }
}
