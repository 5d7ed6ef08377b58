package io.k0rdent.api.verticles.http;

/** {@link IamHttpContract} against PostgreSQL (a fresh schema, migrated at node start). */
class PgIamHttpTest extends IamHttpContract {

  @Override
  boolean onPostgres() {
    return true;
  }
}
