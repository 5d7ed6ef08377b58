package io.k0rdent.api.verticles.redfish;

/** What {@link RedfishClient#setPower} is to reach: {@code PowerState On}, {@code Off}, or On again after a restart. */
public enum PowerTarget {
  ON,
  OFF,
  REBOOT
}
