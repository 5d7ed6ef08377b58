package io.k0rdent.api.verticles.http;

/** {@link ResourcesHttpContract} against PostgreSQL (a fresh schema, migrated at node start). */
class PgResourcesHttpTest extends ResourcesHttpContract {

  @Override
  boolean onPostgres() {
    return true;
  }
}
