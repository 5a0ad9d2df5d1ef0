-- One database per service (decision 0002); each service migrates its own at start.
CREATE DATABASE intake;
CREATE DATABASE routing;
CREATE DATABASE investigation;
CREATE DATABASE notification;
CREATE DATABASE analytics;
CREATE DATABASE console;
