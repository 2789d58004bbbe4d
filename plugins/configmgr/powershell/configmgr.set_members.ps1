# configmgr.set_members {member, groups} -> {}: on the SUP's own server, adds the member (DOMAIN\user) to each
# local group it is not in yet: supctl's change for an account with manage_group_membership = true, made before
# ConfigMgr connects to WSUS with it.
$member = [string]$p.member
foreach ($group in @($p.groups)) {
  # Read through the seam: Get-LocalGroupMember throws on a group that holds an orphaned SID.
  $present = @(Get-SupctlLocalGroupMember ([string]$group) | Where-Object { $_.Name -eq $member })
  if ($present.Count -eq 0) {
    # The built-in Administrators by its SID: Windows in another language names it otherwise.
    if ([string]$group -eq 'Administrators') { Add-LocalGroupMember -SID 'S-1-5-32-544' -Member $member -ErrorAction Stop }
    else { Add-LocalGroupMember -Name ([string]$group) -Member $member -ErrorAction Stop }
  }
}
return @{}
