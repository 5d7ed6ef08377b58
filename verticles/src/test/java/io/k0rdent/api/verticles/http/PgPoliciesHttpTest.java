package io.k0rdent.api.verticles.http;

/** {@link PoliciesHttpContract} against PostgreSQL (a fresh schema, migrated at node start). */
class PgPoliciesHttpTest extends PoliciesHttpContract {

  @Override
  boolean onPostgres() {
    return true;
  }
}
