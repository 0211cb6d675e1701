package io.canopy.node;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Entry point of a Canopy coordinator node. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class CanopyNodeApplication {
    public static void main(String[] args) {
        SpringApplication.run(CanopyNodeApplication.class, args);
    }
}
