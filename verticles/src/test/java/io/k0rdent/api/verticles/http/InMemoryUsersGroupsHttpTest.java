package io.k0rdent.api.verticles.http;

/** {@link UsersGroupsHttpContract} against the in-memory store. */
class InMemoryUsersGroupsHttpTest extends UsersGroupsHttpContract {}
