# configmgr.get_members {fqdn, member, site?, wsus?} -> {groups, member, remote, wsus?: {installed, supported, reason}}:
# which of the local groups Administrators and WSUS Administrators on the SUP's server hold the member (DOMAIN\user),
# read remotely from the site server as WCM needs them; with wsus, whether the WSUS there is one the site supports.
$fqdn = [string]$p.fqdn
$member = [string]$p.member
$local = [string](Get-CimInstance -ClassName Win32_ComputerSystem -ErrorAction Stop | ForEach-Object { '{0}.{1}' -f $_.DNSHostName, $_.Domain })
# Read through the seam: Get-LocalGroupMember throws on a group that holds an orphaned SID (common in
# Administrators). A group that does not exist yet ('WSUS Administrators' before WSUS) holds no one.
$found = Invoke-SupctlOnComputer $fqdn {
  param([string]$member)
  $groups = @()
  foreach ($group in @('Administrators', 'WSUS Administrators')) {
    $names = @()
    try {
      $names = @(Get-SupctlLocalGroupMember $group | Where-Object { $null -ne $_.Name } | ForEach-Object { [string]$_.Name })
    } catch {
      # Only "the group name could not be found" (NERR_GroupNotFound, 0x800708AC) means no one is in it.
      $cause = $_.Exception
      while ($null -ne $cause -and $cause.HResult -ne -2147022676) { $cause = $cause.InnerException }
      if ($null -eq $cause) { throw }
    }
    if ($names | Where-Object { $_ -eq $member }) { $groups += $group }
  }
  $setup = Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\Update Services\Server\Setup' -ErrorAction SilentlyContinue
  $version = $null
  if ($null -ne $setup) { $version = [string]$setup.VersionString }
  return @{ groups = $groups; version = $version }
} @($member)
$result = @{ groups = @($found.groups); member = $member; remote = ($fqdn -ne $local) }
if ($p.wsus) {
  # The versions the role setup accepts (current branch; a 2007 site accepts WSUS 3.0 SP1/SP2: 3.1.x / 3.2.x).
  $version = [string]$found.version
  $siteVersion = [string](Get-CimInstance -Namespace "root\sms\site_$($p.site)" -ClassName SMS_Site -Filter "SiteCode='$($p.site)'" -ErrorAction Stop).Version
  $supported = if ($siteVersion -like '4.*') { $version -like '3.*' } else { @('6.2.*', '6.3.*', '10.0.14393*', '10.0.17763*', '10.0.20348*') | Where-Object { $version -like $_ } }
  $result.wsus = @{ installed = [bool]$version; supported = [bool]$supported
                    reason = if (-not $version) { 'WSUS is not installed' } elseif (-not $supported) { "WSUS $version is not supported by this site" } else { '' } }
}
return $result
