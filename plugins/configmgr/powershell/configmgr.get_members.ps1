# configmgr.get_members {member, wsus?} -> {groups, member, wsus?: {installed, version}}: on the SUP's own
# server, which of its local groups Administrators and WSUS Administrators hold the member (DOMAIN\user), as
# WSUS Configuration Manager needs them; with wsus, the WSUS installed here and its version.
$member = [string]$p.member
$groups = @()
foreach ($group in @('Administrators', 'WSUS Administrators')) {
  $names = @()
  try {
    # Read through the seam: Get-LocalGroupMember throws on a group that holds an orphaned SID (common in
    # Administrators).
    $names = @(Get-SupctlLocalGroupMember $group | Where-Object { $null -ne $_.Name } | ForEach-Object { [string]$_.Name })
  } catch {
    # A group that does not exist yet ('WSUS Administrators' before WSUS) holds no one; only "the group name
    # could not be found" (NERR_GroupNotFound, 0x800708AC) means that.
    $cause = $_.Exception
    while ($null -ne $cause -and $cause.HResult -ne -2147022676) { $cause = $cause.InnerException }
    if ($null -eq $cause) { throw }
  }
  if ($names | Where-Object { $_ -eq $member }) { $groups += $group }
}
$result = @{ groups = $groups; member = $member }
if ($p.wsus) {
  $setup = Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\Update Services\Server\Setup' -ErrorAction SilentlyContinue
  $version = $null
  if ($null -ne $setup -and $setup.VersionString) { $version = [string]$setup.VersionString }
  $result.wsus = @{ installed = [bool]$version; version = $version }
}
return $result
