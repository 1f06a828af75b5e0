/** The Tomcat (server.xml) and JVM option rules, in the order they are reported. */
import type { Rule } from '../rule.ts';
import type { TomcatUnit } from './unit.ts';
import clientVerifyOptionalNoCa from './client-verify-optional-no-ca.ts';
import clientVerifyOptional from './client-verify-optional.ts';
import clientCaMissing from './client-ca-missing.ts';
import clientRevocationMissing from './client-revocation-missing.ts';
import staplingOff from './stapling-off.ts';
import jvmRevocationPropertyIgnored from './jvm-revocation-property-ignored.ts';
import jvmClientRevocationOff from './jvm-client-revocation-off.ts';

export const TOMCAT_RULES: readonly Rule<TomcatUnit>[] = [clientVerifyOptionalNoCa, clientVerifyOptional, clientCaMissing, clientRevocationMissing, staplingOff, jvmRevocationPropertyIgnored, jvmClientRevocationOff];
