(function(){
"use strict";
function el(tag,cls,text){var e=document.createElement(tag);if(cls)e.className=cls;if(text!==undefined)e.textContent=text;return e;}
/* Rows are written as <div class="r" id="P L n">text</div>: the line
   number and the text's box are added here, as on the file pages. */
document.querySelectorAll(".text>.r").forEach(function(r){
  var c=el("div","c"),m=/L(\d+)$/.exec(r.id);
  while(r.firstChild)c.appendChild(r.firstChild);
  r.appendChild(el("span","n",m?m[1]:""));r.appendChild(c);
});
/* Filters: a member is shown when its rule is the chosen one (or any) and
   its similarity is at least the chosen minimum (a member without a score
   only when the minimum is 0); a card with no member shown is hidden. */
var rule=document.getElementById("n-rule"),min=document.getElementById("n-sim"),out=document.getElementById("n-count");
function apply(){
  var r=rule.value,m=parseFloat(min.value)||0,cards=0,members=0;
  document.querySelectorAll("section.near").forEach(function(s){
    var shown=0;
    s.querySelectorAll(".member").forEach(function(e){
      var sim=e.getAttribute("data-sim"),v=sim===""?-1:parseFloat(sim);
      var ok=(!r||e.getAttribute("data-rule")===r)&&(m<=0||v>=m);
      e.hidden=!ok;if(ok)shown++;
    });
    s.hidden=shown===0;if(shown){cards++;members+=shown;}
  });
  out.textContent=cards+" clusters, "+members+" copies shown";
}
rule.onchange=apply;min.oninput=apply;apply();
})();
