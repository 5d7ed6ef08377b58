-- One server per BMC in a region: two servers on one BMC would have two workers fighting over its power.
-- The address is compared as registered (https://10.0.0.5 and https://10.0.0.5:443 are two addresses).
CREATE UNIQUE INDEX servers_bmc_address_unique ON servers (region, bmc_address);
