// Who may do what, as code: a role per environment under sysadmin, the organization privileges it needs, the
// people who use it, a token for CI in prod, and the prod database owned by the prod role.
// Grants are additive: privileges and grants made by hand beside these are left alone, and a declared one revoked
// by hand shows on `pulumi refresh` and is granted again by `pulumi up`.
package main

import (
	"github.com/pulumi-deltastream/pulumi-deltastream/sdk/go/deltastream"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

type environment struct {
	name       string
	privileges []string
	members    []string
}

var environments = []environment{
	{"prod", []string{"CREATE_DATABASE", "CREATE_QUERY"}, []string{"alice@example.com"}},
	{"stage", []string{"CREATE_DATABASE", "CREATE_STORE", "CREATE_QUERY"},
		[]string{"alice@example.com", "bob@example.com"}},
}

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		roles := map[string]*deltastream.Role{}
		granted := map[string][]pulumi.Resource{} // per environment, what must be in place before anything acts as its role
		for _, env := range environments {
			role, err := deltastream.NewRole(ctx, env.name, &deltastream.RoleArgs{Name: pulumi.String(env.name)})
			if err != nil {
				return err
			}
			roles[env.name] = role
			// sysadmin inherits the role, so the provider (as sysadmin) may act as it
			toSysadmin, err := deltastream.NewRoleGrant(ctx, env.name+"-to-sysadmin", &deltastream.RoleGrantArgs{
				Role: role.Name, ToRole: pulumi.String("sysadmin"),
			})
			if err != nil {
				return err
			}
			privileges, err := deltastream.NewOrganizationGrant(ctx, env.name+"-privileges",
				&deltastream.OrganizationGrantArgs{Role: role.Name, Privileges: pulumi.ToStringArray(env.privileges)})
			if err != nil {
				return err
			}
			granted[env.name] = []pulumi.Resource{toSysadmin, privileges}
			for _, email := range env.members {
				if _, err := deltastream.NewRoleGrant(ctx, env.name+"-to-"+email, &deltastream.RoleGrantArgs{
					Role: role.Name, ToUser: pulumi.String(email),
				}); err != nil {
					return err
				}
			}
		}

		ci, err := deltastream.NewApiToken(ctx, "ci", &deltastream.ApiTokenArgs{
			Name:            pulumi.String("prod_ci"),
			Role:            roles["prod"].Name,
			ExpiresInDays:   pulumi.Int(90),
			RenewBeforeDays: pulumi.Int(14), // renewed in place by the first `up` within 14 days of expiry
		}, pulumi.DependsOn(granted["prod"])) // made and dropped while sysadmin holds the role
		if err != nil {
			return err
		}

		// Created as the prod role, which owns it; naming another owner later changes it in place (GRANT OWNERSHIP).
		prodDatabase, err := deltastream.NewDatabase(ctx, "prod", &deltastream.DatabaseArgs{
			Name: pulumi.String("prod_db"), Owner: roles["prod"].Name,
		}, pulumi.DependsOn(granted["prod"]))
		if err != nil {
			return err
		}

		ctx.Export("roleNames", pulumi.StringArray{roles["prod"].Name, roles["stage"].Name})
		ctx.Export("ciToken", pulumi.ToSecret(ci.Token))
		ctx.Export("ciTokenExpiresAt", ci.ExpiresAt)
		ctx.Export("prodDatabaseOwner", prodDatabase.Owner)
		return nil
	})
}
