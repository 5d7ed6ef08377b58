package io.k0rdent.api.verticles.http;

/** {@link UsersGroupsHttpContract} against PostgreSQL (a fresh schema, migrated at node start). */
class PgUsersGroupsHttpTest extends UsersGroupsHttpContract {

  @Override
  boolean onPostgres() {
    return true;
  }
}
