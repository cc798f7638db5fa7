// Who may do what, as code: a role per environment under sysadmin, the organization privileges it needs, the
// people who use it, a token for CI in prod, and the prod database owned by the prod role.
// Grants are additive: privileges and grants made by hand beside these are left alone, and a declared one revoked
// by hand shows on `pulumi refresh` and is granted again by `pulumi up`.
import * as pulumi from "@pulumi/pulumi";
import * as deltastream from "@pulumi-deltastream/deltastream";

const environments: Record<string, { privileges: string[]; members: string[] }> = {
    prod: { privileges: ["CREATE_DATABASE", "CREATE_QUERY"], members: ["alice@example.com"] },
    stage: { privileges: ["CREATE_DATABASE", "CREATE_STORE", "CREATE_QUERY"],
             members: ["alice@example.com", "bob@example.com"] },
};

const roles: Record<string, deltastream.Role> = {};
// per environment, what must be in place before anything acts as its role
const granted: Record<string, pulumi.Resource[]> = {};
for (const [env, { privileges, members }] of Object.entries(environments)) {
    const role = new deltastream.Role(env, { name: env });
    roles[env] = role;
    granted[env] = [
        // sysadmin inherits the role, so the provider (as sysadmin) may act as it
        new deltastream.RoleGrant(`${env}-to-sysadmin`, { role: role.name, toRole: "sysadmin" }),
        new deltastream.OrganizationGrant(`${env}-privileges`, { role: role.name, privileges }),
    ];
    for (const email of members) {
        new deltastream.RoleGrant(`${env}-to-${email}`, { role: role.name, toUser: email });
    }
}

const ci = new deltastream.ApiToken("ci", {
    name: "prod_ci",
    role: roles.prod.name,
    expiresInDays: 90,
    renewBeforeDays: 14, // renewed in place by the first `up` within 14 days of expiry
}, { dependsOn: granted.prod }); // made and dropped while sysadmin holds the role

// Created as the prod role, which owns it; naming another owner later changes it in place (GRANT OWNERSHIP).
const prodDatabase = new deltastream.Database("prod", { name: "prod_db", owner: roles.prod.name },
                                              { dependsOn: granted.prod });

export const roleNames = [roles.prod.name, roles.stage.name];
export const ciToken = pulumi.secret(ci.token);
export const ciTokenExpiresAt = ci.expiresAt;
export const prodDatabaseOwner = prodDatabase.owner;
