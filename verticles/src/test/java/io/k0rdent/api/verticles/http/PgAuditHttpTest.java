package io.k0rdent.api.verticles.http;

/** {@link AuditHttpContract} against PostgreSQL (a fresh schema, migrated at node start). */
class PgAuditHttpTest extends AuditHttpContract {

  @Override
  boolean onPostgres() {
    return true;
  }
}
