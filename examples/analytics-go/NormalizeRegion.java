package com.example.analytics;

import org.apache.flink.table.functions.ScalarFunction;

/**
 * normalize_region(region VARCHAR) RETURNS VARCHAR: ' eu_west ' and 'EU-WEST' both become 'EU-WEST'.
 * udfs.jar holds this class for Java 11, built against Flink's flink-table-common 1.19 (DeltaStream brings Flink):
 *   javac --release 11 -cp flink-table-common.jar -d classes NormalizeRegion.java && jar --create --file udfs.jar -C classes .
 */
public class NormalizeRegion extends ScalarFunction {
    public String eval(String region) {
        return region == null ? null : region.trim().toUpperCase().replace('_', '-');
    }
}
