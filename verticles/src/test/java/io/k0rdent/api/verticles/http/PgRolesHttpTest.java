package io.k0rdent.api.verticles.http;

/** {@link RolesHttpContract} against PostgreSQL (a fresh schema, migrated at node start). */
class PgRolesHttpTest extends RolesHttpContract {

  @Override
  boolean onPostgres() {
    return true;
  }
}
