package io.k0rdent.api.router.resources;

import io.k0rdent.api.core.error.ApiException;
import io.k0rdent.api.core.resource.Clock;
import io.k0rdent.api.core.resource.Project;
import io.k0rdent.api.core.resource.Slugs;
import io.k0rdent.api.core.store.Store;
import io.k0rdent.api.router.Call;
import io.k0rdent.api.router.OperationHandler;
import io.k0rdent.api.router.PageTokens;
import io.k0rdent.api.router.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Handlers of the project operations (upstream operationIds {@code createProject}, {@code listProjects}
 * with {@code ?organizationId=}, {@code getProject}, {@code updateProject}, {@code deleteProject}).
 */
public final class ProjectsApi {

  public static final String COLLECTION = "/v1/regions/global/projects";
  private final ResourceOperations<Project> ops;

  public ProjectsApi(Store store, PageTokens pageTokens) {
    this.ops = new ResourceOperations<>("project", COLLECTION, "projects", store.projects(), pageTokens,
        p -> ResourceOperations.names(new JsonObject().put("organizationId", p.organizationId()), p.displayName(),
            p.description()));
  }

  /** operationId → handler. */
  public Map<String, OperationHandler> handlers() {
    return Map.of(
        "createProject", this::create,
        "listProjects", this::list,
        "getProject", ops::get,
        "updateProject", call -> ops.update(call, current -> ResourceOperations.mergeNames(call.body(), current,
            current.displayName(), current.description(), (d, text) -> current.withChanges(d, text, Clock.now()))),
        "deleteProject", ops::delete);
  }

  private Future<Reply> create(Call call) {
    String id = call.text("id");
    Instant now = Clock.now();
    return ops.create(new Project(id == null ? Slugs.generate("project") : id, UUID.randomUUID(),
        call.text("organizationId"), call.text("displayName"), call.text("description"), now, now, 1));
  }

  private Future<Reply> list(Call call) {
    String org = call.query("organizationId");
    if (org != null && !Slugs.isValid(org)) {
      throw ApiException.invalidField("organizationId", "organizationId must be an organization id (a slug)");
    }
    Map<String, String> filters = new HashMap<>();
    filters.put("organizationId", org);
    return ops.list(call, filters);
  }
}
