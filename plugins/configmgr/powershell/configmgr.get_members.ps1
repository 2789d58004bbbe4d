# configmgr.get_members {fqdn, member, site?, wsus?} -> {groups, member, remote, wsus?: {installed, supported, reason}}:
# which of the local groups Administrators and WSUS Administrators on the SUP's server hold the member (DOMAIN\user),
# read remotely from the site server as WCM needs them; with wsus, whether the WSUS there is one the site supports.
$fqdn = [string]$p.fqdn
$member = [string]$p.member
$local = ([System.Net.Dns]::GetHostEntry($env:COMPUTERNAME)).HostName
$found = Invoke-Command -ComputerName $fqdn -ErrorAction Stop -ArgumentList $member -ScriptBlock {
  param([string]$member)
  $groups = @()
  foreach ($group in @('Administrators', 'WSUS Administrators')) {
    $names = @(Get-LocalGroupMember -Group $group -ErrorAction SilentlyContinue | ForEach-Object { [string]$_.Name })
    if ($names | Where-Object { $_ -eq $member }) { $groups += $group }
  }
  $setup = Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\Update Services\Server\Setup' -ErrorAction SilentlyContinue
  return @{ groups = $groups; version = if ($null -ne $setup) { [string]$setup.VersionString } else { $null } }
}
$result = @{ groups = @($found.groups); member = $member; remote = ($fqdn -ne $local) }
if ($p.wsus) {
  # The versions the role setup accepts (current branch; a 2007 site accepts WSUS 3.0 SP1/SP2: 3.1.x / 3.2.x).
  $version = [string]$found.version
  $siteVersion = [string](Get-WmiObject -Namespace "root\sms\site_$($p.site)" -Class SMS_Site -Filter "SiteCode='$($p.site)'").Version
  $supported = if ($siteVersion -like '4.*') { $version -like '3.*' } else { @('6.2.*', '6.3.*', '10.0.14393*', '10.0.17763*', '10.0.20348*') | Where-Object { $version -like $_ } }
  $result.wsus = @{ installed = [bool]$version; supported = [bool]$supported
                    reason = if (-not $version) { 'WSUS is not installed' } elseif (-not $supported) { "WSUS $version is not supported by this site" } else { '' } }
}
return $result
