package io.k0rdent.api.verticles.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** {@link EventsHttpContract} on PostgreSQL, plus the proof that a change and its event commit together. */
class PgEventsHttpTest extends EventsHttpContract {

  @Override
  boolean onPostgres() {
    return true;
  }

  @Test
  void aChangeWhoseEventCannotBeStoredIsNotStoredEither() {
    String org = created(ORGS, new JsonObject().put("id", unique("atomic"))).getString("id");
    String id = unique("doomed");
    long mark = mark();
    // the outbox refuses exactly this project's event: the insert fails after the project's own INSERT ran
    db.execute("ALTER TABLE " + db.schema() + ".events ADD CONSTRAINT refuse_one CHECK (subject IS DISTINCT FROM '"
        + PROJECTS + "/" + id + "')");
    try {
      var r = node.atlas.post(PROJECTS, token, new JsonObject().put("id", id).put("organizationId", org));
      assertThat(r.status()).as(r.body()).isGreaterThanOrEqualTo(500);
      assertThat(node.atlas.get(PROJECTS + "/" + id, token).status()).as("rolled back with its event")
          .isEqualTo(404);
      String other = unique("fine");
      assertThat(node.atlas.post(PROJECTS, token, new JsonObject().put("id", other).put("organizationId", org))
          .status()).isEqualTo(201);
      assertThat(since(mark)).extracting(e -> e.subject()).containsExactly(PROJECTS + "/" + other);
    } finally {
      db.execute("ALTER TABLE " + db.schema() + ".events DROP CONSTRAINT refuse_one");
    }
  }
}
