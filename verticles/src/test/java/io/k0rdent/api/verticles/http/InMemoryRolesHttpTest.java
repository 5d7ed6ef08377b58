package io.k0rdent.api.verticles.http;

/** {@link RolesHttpContract} against the in-memory store. */
class InMemoryRolesHttpTest extends RolesHttpContract {}
